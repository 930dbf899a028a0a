// docs/protocol.md and docs/schemas/*.json, generated from messages.ts. The examples below are parsed
// with the same schemas when the docs are generated, so an example that stopped matching breaks `gen`.

import { z } from 'zod';
import {
  AlarmMessage,
  Command,
  CommandResult,
  EventMessage,
  HeartbeatMessage,
  MAX_COMMAND_BYTES,
  COMMAND_NAMES,
  CommandArgs,
  PAYLOADS,
  SCHEMA_VERSION,
  TelemetryMessage,
  TOPICS,
} from './messages.js';

const env = { v: SCHEMA_VERSION, gw: 'GW-500242-0001', clock: 'synced' as const, boot: '6f1c2b1e-5a1d-4c9e-9d55-0c1f3f1d7a10' };
const venue = { id: 'V-500242-100-0007', adminCode: '500242100000', category: 'catering' as const, risk: 'red' as const };

const EXAMPLES = {
  alarm: AlarmMessage.parse({
    ...env,
    id: '0b5d2f7e-3c47-4a51-9a8e-3f2b8f1c9d21',
    seq: 1842,
    at: '2026-11-30T08:15:02.120Z',
    type: 'channel',
    alarmId: '7d7a1c42-1a5e-4a8f-8c3b-2e9b4d0f6a11',
    device: 'kitchen-gas',
    channel: 'lel',
    kind: 'gas',
    state: 'alarm',
    previousState: 'warning',
    reason: 'device',
    detail: 'status.al1',
    value: 26.4,
    threshold: null,
    unit: '%LEL',
    latched: true,
    test: false,
    reannounce: false,
    venue,
  }),
  event: EventMessage.parse({
    ...env,
    id: '5e0c7b8a-9f2d-4b6e-8a1c-7d3e2f1a0b99',
    seq: 1843,
    at: '2026-11-30T08:15:02.180Z',
    type: 'output',
    body: { output: 'gas-valve', role: 'gas-valve', action: 'close', level: 'off', status: 'confirmed', reason: 'linkage kitchen-gas-alarm: kitchen-gas/lel alarm', detail: 'read back off', cause: '0b5d2f7e-3c47-4a51-9a8e-3f2b8f1c9d21' },
    venue,
  }),
  telemetry: TelemetryMessage.parse({
    ...env,
    id: 'c1d2e3f4-0000-4000-8000-000000000001',
    seq: 311,
    at: '2026-11-30T08:16:00.000Z',
    type: 'summary',
    from: '2026-11-30T08:15:00.000Z',
    to: '2026-11-30T08:16:00.000Z',
    channels: [{ device: 'kitchen-panel', channel: 'residual-current', unit: 'mA', min: 38, avg: 41.2, max: 47, last: 40, n: 30 }],
  }),
  heartbeat: HeartbeatMessage.parse({
    ...env,
    id: 'a9b8c7d6-0000-4000-8000-000000000002',
    seq: 97,
    at: '2026-11-30T08:16:00.000Z',
    version: '0.1.0',
    uptimeS: 5820,
    venue,
    backlog: { alarm: 0, event: 0, heartbeat: 0, telemetry: 2 },
    shed: { rows: 0, bytes: 0 },
    devices: [{ id: 'kitchen-gas', online: true, reason: 'ok' }],
    outputs: [{ id: 'gas-valve', level: 'off', ok: true }],
    cpuTempC: 48.3,
    diskFreeMB: 10240,
  }),
  cmd: Command.parse({ id: 'cmd-20261130-0001', name: 'ack-alarm', args: { alarmId: '7d7a1c42-1a5e-4a8f-8c3b-2e9b4d0f6a11', by: '钟多街道值班员' } }),
  'cmd/result': CommandResult.parse({ ...env, id: 'cmd-20261130-0001', seq: 12, at: '2026-11-30T08:17:10.004Z', ok: true, reason: null, name: 'ack-alarm' }),
};

export function payloadSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [topic, schema] of Object.entries(PAYLOADS)) {
    out[topic.replace('/', '-')] = z.toJSONSchema(schema as z.ZodType, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' });
  }
  return out;
}

export function protocolMarkdown(): string {
  const L: string[] = [
    '# Wire protocol: gateway ↔ county platform (MQTT)',
    '',
    '<!-- Generated from gateway/contract/messages.ts by `npm run gen`; do not edit by hand. -->',
    '',
    `Schema version \`v = ${SCHEMA_VERSION}\`. Topics sit under a prefix, by default \`jx/v1/{gatewayId}/\`. The gateway`,
    'speaks plain MQTT 3.1.1 or 5 to any broker (EMQX, VerneMQ, HiveMQ, Mosquitto) and assumes nothing of it.',
    'JSON Schemas of every payload: `docs/schemas/<topic>.json`.',
    '',
    '## Topics',
    '',
    '| topic | QoS | retained | direction | carries |',
    '|---|---|---|---|---|',
    ...Object.entries(TOPICS).map(([t, d]) => `| \`{prefix}${t}\` | ${d.qos} | ${d.retain ? 'yes' : 'no'} | ${d.direction === 'up' ? 'gateway → platform' : 'platform → gateway'} | ${d.about} |`),
    '',
    '## Delivery rules',
    '',
    '- **Nothing committed is lost.** Every message is committed to the gateway\'s SQLite outbox before it is',
    '  published and deleted only after the broker\'s PUBACK. Broker outage, power loss, `kill -9`, reboot:',
    '  it is sent when the link returns. The gateway keeps a persistent session (fixed client id, clean session',
    '  off), so commands sent while it was offline are delivered when it returns.',
    '- **Dedupe on `id`.** A resend (after a lost PUBACK, a reconnect or a restart) carries the same `id` and',
    '  the same `seq`. The platform must treat a second message with a known `id` as the same message.',
    '- **Detect loss with `seq`.** `alarm` and `event` share one counter, gap-free and persisted across restarts',
    '  and crashes: a gap in the `seq` of a gateway means a lost message. `telemetry`, `heartbeat` and `cmd/result`',
    '  count on their own. `boot` changes at every start of the gateway process.',
    '- **Order.** Alarms pre-empt everything: the backlog is published alarm topic first, then events and command',
    '  results, heartbeats, telemetry; first-in first-out within each (GB 26875.1: fire alarms pre-empt all other',
    '  traffic and reach the centre within 10 s).',
    '- **Telemetry may be shed.** When the gateway\'s storage caps (or a full disk) are reached, the oldest',
    '  telemetry is dropped and reported with an `event` of type `shed`. Alarms and events are never shed.',
    '- **Time.** `at` is when it happened. `clock: unsynced` means the box had no good time yet (a Raspberry Pi has',
    '  no RTC); once the clock is good the times of messages still waiting are corrected from the monotonic',
    '  clock, and an `event` of type `clock` says how many.',
    '- **Presence.** The retained `status` is `online` while the gateway is connected; the broker publishes the',
    '  retained `offline` (the will) when the gateway vanishes; a clean stop publishes `offline` itself.',
    '',
    '## The alarm lifecycle (Article 8: the closed loop)',
    '',
    'Every change of a channel\'s state is a message on `alarm`. The first message that leaves `normal` opens an',
    'alarm: its `id` becomes the `alarmId` that every later message of that alarm carries (escalation from',
    '`warning` to `alarm`, a `fault`, the return to `normal`, a reset). Venue fields (`venue.id`, `adminCode` of',
    'the township, `category`, `risk` colour) are on every alarm so the platform can route it to the township',
    'or the county centre without another lookup.',
    '',
    '1. raised: `state` warning (预警), alarm (报警) or fault (故障), `previousState` normal;',
    '2. acknowledged: the platform sends `ack-alarm` with the `alarmId`; the gateway answers on `cmd/result` and',
    '   publishes an `event` of type `ack`. Until then an alarm or fault is re-announced every `reannounceMin`',
    '   minutes (`reannounce: true`, a new `id` and `seq`, the same `alarmId`);',
    '3. cleared: `state` normal, with the same `alarmId`. Gas and fire alarms are latched: they clear only after a',
    '   reset (`reason: reset`). A gas alarm is reset only on site; the platform\'s `reset` resets fire alarms only,',
    '   and never reopens a gas valve.',
    '',
    '`test: true` marks a device in maintenance/test mode (检修/测试): not a real alarm.',
    '',
    '## Commands (`cmd` → `cmd/result`)',
    '',
    `A command is \`{"id", "name", "args", "expiresAt"?}\`, at most ${MAX_COMMAND_BYTES} bytes of JSON. The result carries the`,
    'command\'s `id`, `ok` and `reason`. A command with an `id` already answered is answered again with the same',
    'result and not executed twice. Malformed, unknown, oversized or expired commands are refused with a reason',
    'and change nothing.',
    '',
    '| name | args |',
    '|---|---|',
    ...COMMAND_NAMES.map((n) => `| \`${n}\` | \`${JSON.stringify(z.toJSONSchema(CommandArgs[n] as z.ZodType, { io: 'input' }).properties ?? {})}\` |`),
    '',
    '## Scaling out on the platform side',
    '',
    'Platform consumers subscribe with shared subscriptions, so a broker cluster spreads the gateways\' messages',
    'over several workers: `$share/platform/jx/v1/+/alarm`, `$share/platform/jx/v1/+/event`, and so on (MQTT 5;',
    'EMQX, VerneMQ and HiveMQ also accept them from MQTT 3.1.1 clients). Dedupe on `id` makes a redelivery to',
    'another worker harmless; `seq` per `gw` is checked where the messages of one gateway come together.',
    '',
    '## Examples',
    '',
  ];
  for (const [topic, ex] of Object.entries(EXAMPLES)) {
    L.push(`### \`{prefix}${topic}\``, '', '```json', JSON.stringify(ex, null, 2), '```', '');
  }
  L.push('### `{prefix}status`', '', '```', 'online', '```', '');
  return L.join('\n');
}
