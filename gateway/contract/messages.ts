// The wire contract with the county platform: every topic and every payload, as zod schemas. This one
// module is the source of docs/protocol.md and docs/schemas/*.json (npm run gen; a test fails when they
// are stale), so the documentation cannot disagree with what the gateway sends and accepts.
//
// Versioning: `v` is the schema version. Additions of optional fields keep v = 1; anything a platform
// could misread (a renamed or retyped field, a new required one) makes v = 2, published in parallel.

import { z } from 'zod';
import { RISK_COLOURS } from '../../config/risk.js';
import { SIGNAL_KINDS } from '../../config/signals.js';
import { VENUE_CATEGORIES } from '../../config/venue.js';
import { COMMAND_NAMES, SCHEMA_VERSION } from './topics.js';

// Topics, the schema version and the command names live in ./topics.ts, without zod: the recorder thread
// publishes with them and loads these schemas only when a command comes in.
export { COMMAND_NAMES, MAX_COMMAND_BYTES, MAX_CONFIG_COMMAND_BYTES, SCHEMA_VERSION, TOPICS } from './topics.js';

const Iso = z.string().meta({ description: 'ISO 8601 time, UTC, e.g. 2026-11-30T08:15:02.120Z' });

/** Fields of every payload on alarm, event, telemetry, heartbeat and cmd/result. */
const Envelope = z.object({
  v: z.literal(SCHEMA_VERSION).meta({ description: 'Schema version' }),
  id: z.string().min(1).meta({ description: 'Stable, unique message id: a resend keeps it; the platform dedupes on it' }),
  gw: z.string().meta({ description: 'Gateway id' }),
  seq: z.number().int().min(1).meta({
    description:
      'alarm and event: one gap-free counter over both topics, persisted across restarts (a gap means a lost message); telemetry and heartbeat: a counter of their own',
  }),
  at: Iso.meta({ description: 'When it happened (for events: when the reading was taken)' }),
  clock: z
    .enum(['synced', 'unsynced'])
    .meta({ description: 'unsynced: the box had no good time yet; `at` was corrected from the monotonic clock when it could be' }),
  boot: z.string().meta({ description: 'Boot id: changes at every start of the gateway process' }),
});

const Venue = z.object({
  id: z.string(),
  adminCode: z.string().meta({ description: '12-digit administrative division code of the township (行政区划代码): routes the alarm' }),
  category: z.enum(VENUE_CATEGORIES),
  risk: z.enum(RISK_COLOURS).meta({ description: 'Derived risk colour (风险分级赋色)' }),
});

const State = z.enum(['normal', 'warning', 'alarm', 'fault']);

export const AlarmMessage = Envelope.extend({
  type: z.literal('channel'),
  alarmId: z.string().meta({
    description: 'Id of the message that raised this alarm: the same on every message of its lifecycle (raised → escalated → acknowledged → cleared)',
  }),
  device: z.string(),
  channel: z.string(),
  kind: z.enum(SIGNAL_KINDS).meta({ description: 'What the channel measures' }),
  state: State.meta({ description: 'The new state' }),
  previousState: State,
  reason: z.enum(['threshold', 'device', 'rate-of-rise', 'unreadable', 'out-of-range', 'stuck', 'cleared', 'reset']),
  detail: z.string().meta({ description: 'Human detail: "26.4 ≥ alarm 25", "status.al1", "timeout"' }),
  value: z.union([z.number(), z.boolean()]).nullable().meta({ description: 'The reading that decided; null when there was none (unreadable)' }),
  threshold: z.number().nullable().meta({ description: 'The threshold crossed, when one was' }),
  unit: z.string().optional(),
  latched: z.boolean().meta({ description: 'Stays until reset (gas: on site only)' }),
  test: z.boolean().meta({ description: 'The device is in maintenance/test mode (检修/测试): not a real alarm' }),
  reannounce: z.boolean().meta({ description: 'true on the periodic re-announcement of an unacknowledged alarm' }),
  venue: Venue,
});

export const EventMessage = Envelope.extend({
  type: z.enum(['output', 'device', 'ack', 'shed', 'command', 'clock', 'config', 'update']),
  body: z.record(z.string(), z.unknown()).meta({
    description:
      'By type: output {output, role, action, level, status, reason, detail}; device {device, state, reason}; ack {alarmId, by}; shed {rows: telemetry messages shed since the last shed event, totalRows, totalBytes, reason}; command {name, id, ok}; clock {synced, correctedEvents}; config {state: probation | kept | rolled-back, version, sha256, reason, by: remote | local}; update {state: kept | rolled-back | failed, version, from, reason}',
  }),
  venue: Venue,
});

const ChannelSummary = z.object({
  device: z.string(),
  channel: z.string(),
  unit: z.string().optional(),
  min: z.number(),
  avg: z.number(),
  max: z.number(),
  last: z.number(),
  n: z.number().int().meta({ description: 'Readings summarised' }),
});

export const TelemetryMessage = Envelope.extend({
  type: z.enum(['summary', 'exception']).meta({ description: 'summary: every interval; exception: a value moved beyond its deadband since last sent' }),
  from: Iso,
  to: Iso,
  channels: z.array(ChannelSummary),
});

export const HeartbeatMessage = Envelope.extend({
  version: z.string(),
  uptimeS: z.number(),
  venue: Venue,
  backlog: z.object({ alarm: z.number().int(), event: z.number().int(), heartbeat: z.number().int(), telemetry: z.number().int() }),
  shed: z
    .object({ rows: z.number().int(), bytes: z.number().int() })
    .meta({ description: 'Telemetry messages and bytes shed in total (kept across restarts; a fresh outbox file starts at 0)' }),
  devices: z.array(z.object({ id: z.string(), online: z.boolean().nullable(), reason: z.string() })),
  outputs: z.array(
    z.object({
      id: z.string(),
      level: z.enum(['on', 'off']).nullable().meta({ description: 'The level observed (read back, or driven where nothing reads back); null: not known' }),
      ok: z.boolean().meta({
        description: 'false: an output fault (the driver fails, or the level observed is not the one demanded); the demand stands and the output is re-driven',
      }),
      desired: z.enum(['on', 'off']).nullable().optional().meta({ description: 'The level the alarms (or the safe state) demand' }),
      fault: z.string().optional().meta({ description: 'Why ok is false' }),
    }),
  ),
  storage: z
    .object({
      ok: z.boolean(),
      failures: z.number().int().meta({ description: 'Failed writes (event records, state saves) since start' }),
      lastError: z.string().nullable(),
      unrecorded: z.number().int().meta({ description: 'Events kept in memory because they could not be written yet' }),
      unsaved: z.boolean().meta({ description: 'Channel states or closed valves not yet saved' }),
    })
    .optional()
    .meta({ description: 'Whether the box can keep what happens (full disk, read-only SD card, corrupt file); outputs are driven regardless' }),
  cpuTempC: z.number().nullable(),
  diskFreeMB: z.number().nullable(),
});

const StatusPayload = z.enum(['online', 'offline']).meta({ description: 'Plain text, retained' });

export const Command = z.strictObject({
  id: z.string().min(1).max(128).meta({ description: 'Command id: a repeat with the same id is answered again, not executed twice' }),
  name: z.enum(COMMAND_NAMES),
  args: z.record(z.string(), z.unknown()).default({}),
  expiresAt: Iso.optional().meta({ description: 'Refused after this time' }),
});

export const CommandArgs = {
  ping: z.strictObject({}),
  'get-status': z.strictObject({}),
  'ack-alarm': z.strictObject({ alarmId: z.string().min(1), by: z.string().max(64).optional() }),
  silence: z.strictObject({}),
  reset: z.strictObject({ device: z.string().optional(), channel: z.string().optional() }),
  maintenance: z.strictObject({ device: z.string(), on: z.boolean() }),
  'sync-time': z.strictObject({ now: Iso }),
  'apply-config': z.strictObject({
    version: z.string().min(1).max(64).meta({ description: "The platform's name for this config, e.g. 2026-12-07.3" }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .meta({ description: 'SHA-256 of `config` (its UTF-8 bytes), lower-case hex' }),
    config: z
      .string()
      .min(1)
      .max(256 * 1024)
      .meta({ description: 'The whole config file (YAML), checked with the rules of check-config' }),
    probationS: z.number().int().min(10).max(600).default(60).meta({
      description: 'Seconds the new config has to reach acting (every device answered, outputs confirmed, the uplink back) before the box goes back by itself',
    }),
  }),
  'get-logs': z.strictObject({
    lines: z.number().int().min(1).max(500).default(100).meta({ description: 'The last N log lines of the box, both threads, oldest first' }),
    level: z.enum(['info', 'warn', 'error']).default('info').meta({ description: 'Only lines at this level or above' }),
  }),
  'get-diagnostics': z.strictObject({}),
  update: z.strictObject({
    manifest: z
      .string()
      .min(2)
      .max(12 * 1024)
      .meta({
        description: 'The release manifest (JSON text) exactly as signed: version, arch, file, size, sha256, chunkSize, chunks, storage, allowDowngrade',
      }),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/)
      .meta({ description: "Ed25519 signature of the manifest's UTF-8 bytes, base64, by a key installed with the gateway (keys/*.pem)" }),
    url: z.string().min(8).max(2048).meta({ description: 'Where the bundle is fetched from: http(s), Range requests honoured' }),
    healthS: z.number().int().min(20).max(300).default(45).meta({
      description:
        'Seconds the new version has from the switch to be healthy (started, every device answered, outputs confirmed, uplink connected) before the box goes back by itself',
    }),
  }),
} as const;

export const CommandResult = Envelope.extend({
  ok: z.boolean(),
  reason: z.string().nullable().meta({ description: 'Why it was refused or failed; null when ok' }),
  name: z.string().nullable(),
  result: z.unknown().optional(),
}).extend({ id: z.string().meta({ description: 'The id of the command answered' }) });

export type AlarmMessage = z.output<typeof AlarmMessage>;
export type EventMessage = z.output<typeof EventMessage>;
export type TelemetryMessage = z.output<typeof TelemetryMessage>;
export type HeartbeatMessage = z.output<typeof HeartbeatMessage>;
export type CommandResult = z.output<typeof CommandResult>;
export type Command = z.output<typeof Command>;

export const PAYLOADS = {
  alarm: AlarmMessage,
  event: EventMessage,
  telemetry: TelemetryMessage,
  heartbeat: HeartbeatMessage,
  status: StatusPayload,
  cmd: Command,
  'cmd/result': CommandResult,
} as const;
