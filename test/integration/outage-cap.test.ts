// A long broker outage against a small storage cap: the telemetry produced meanwhile is shed oldest-first
// and only past the cap, the shedding is itself reported as an event, and every alarm and event still
// arrives after recovery, gap-free (docs/architecture.md invariants 1 and 3). Real Mosquitto, real SQLite,
// and the Recorder itself — the part that runs on the recorder's thread — driven directly, so the test
// can make exactly as much telemetry as it needs through the reporter the timers use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventMessage, TelemetryMessage } from '../../gateway/contract/messages.js';
import { loadConfigText } from '../../config/index.js';
import type { RuntimeStatus } from '../../gateway/control/port.js';
import type { ChannelEvent } from '../../gateway/events.js';
import { createLogger } from '../../gateway/log/logger.js';
import { Recorder } from '../../gateway/recorder/recorder.js';
import { SystemClock } from '../../gateway/uplink/clock.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { startBroker, removeBrokerDir, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { SHOP, venueLine } from '../../bench/lib/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-outage-cap-'));
const GW = 'GW-CAP-0001';
const T = (t: string) => `jx/v1/${GW}/${t}`;
const MAX_ROWS = 1000;
const RESERVE = 100; // telemetry may use 900 rows
const PRODUCED = 1500;
let broker: Broker;
let recorder: Recorder;
let platform: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  broker = await startBroker();
  const yaml = `
gateway: { id: ${GW}, dataDir: ${join(dir, 'data')} }
${venueLine(SHOP, { id: 'V-CAP-1', name: '网吧', category: 'entertainment', size: {} })}
buses: [{ id: tcp, type: tcp, host: 127.0.0.1, port: 1502, timeoutMs: 300 }]
devices:
  - { id: smoke, bus: tcp, slaveId: 2, profile: smoke, pollIntervalMs: 200 }
uplink: { url: "${broker.url}" }
storage: { maxRows: ${MAX_ROWS}, alarmReserveRows: ${RESERVE} }
status: { enabled: false }
`;
  platform = await listen(broker.url, `jx/v1/${GW}/#`);
  // Periodic telemetry is off (an hour): the test produces it itself, through the reporter the timers use.
  const hour = 3_600_000;
  const loaded = loadConfigText(yaml, 'cap.yaml', { builtinProfiles: BUILTIN_PROFILES, env: {} });
  if (!loaded.config || !loaded.risk) throw new Error(JSON.stringify(loaded.errors));
  const status: RuntimeStatus = {
    gateway: GW,
    devices: [],
    channels: [],
    outputs: {},
    closedValves: [],
    maintenance: [],
    buses: [],
    storage: { ok: true, failures: 0, lastError: null, unrecorded: 0, unsaved: false },
  };
  const refuse = () => Promise.reject(new Error('no runtime in this test'));
  recorder = new Recorder(
    loaded.config,
    loaded.risk,
    { status: () => status, port: { status: () => status, reset: refuse, silence: refuse, setMaintenance: refuse } },
    {
      boot: 'b-cap',
      log: createLogger({ level: 'silent' }),
      clock: new SystemClock('/nonexistent', true),
      timers: { heartbeatMs: hour, telemetryMs: hour, exceptionMs: hour, reannounceMs: hour },
    },
  );
  recorder.start(recorder.restore());
});

afterAll(async () => {
  await recorder?.stop(2000);
  await platform?.close();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

const on = (topic: string) => platform.got.filter((m) => m.topic === T(topic));
const firstOf = <M extends { id: string }>(list: M[]) => [...new Map(list.map((m) => [m.id, m])).values()];

describe('broker outage past the storage cap', () => {
  it('sheds telemetry oldest-first and only past the cap, reports it, and loses no alarm or event', async () => {
    await waitFor(() => on('status').some((m) => m.payload === 'online') && recorder.uplink?.connected === true, 5000, 'connected');
    await broker.stop();
    await waitFor(() => recorder.uplink?.connected === false, 5000, 'link down');

    // Meanwhile: a smoke alarm and far more telemetry than the cap holds.
    const alarm: ChannelEvent = {
      type: 'channel',
      id: 'smoke-alarm-1',
      device: 'smoke',
      channel: 'density',
      kind: 'smoke-density',
      state: 'alarm',
      previousState: 'normal',
      reason: 'threshold',
      detail: '0.3 dB/m ≥ 0.15 dB/m',
      value: 0.3,
      threshold: 0.15,
      unit: 'dB/m',
      latched: false,
      test: false,
      at: Date.now(),
      mono: performance.now(),
    };
    recorder.record(alarm);
    for (let i = 0; i < PRODUCED; i++) {
      const now = Date.now();
      recorder.reporter.telemetry('summary', now - 60_000, now, [
        { device: 'smoke', channel: 'density', unit: 'dB/m', min: 0.01, avg: 0.02, max: 0.03, last: 0.02, n: 60 },
      ]);
      if (i % 100 === 99) await sleep(20);
    }
    // The watch (every 5 s) spills what waits in memory and reports the shedding.
    await waitFor(() => recorder.outbox.backlog().event > 0 && recorder.outbox.shedRows > 0, 15_000, 'shed');
    await sleep(5500);
    const shed = recorder.outbox.shedRows;
    const backlog = recorder.outbox.backlog();
    expect(backlog.alarm + backlog.event + backlog.heartbeat + backlog.telemetry).toBeLessThanOrEqual(MAX_ROWS);
    expect(backlog.telemetry).toBe(PRODUCED - shed);

    await broker.restart();
    await waitFor(() => Object.values(recorder.outbox.backlog()).every((n) => n === 0), 30_000, 'outbox drained');
    await sleep(300);

    // Telemetry: exactly the newest PRODUCED − shed arrived, with their own seqs (the oldest went).
    const telemetry = firstOf(on('telemetry').map((m) => TelemetryMessage.parse(m.json)));
    const seqs = telemetry.map((m) => m.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: PRODUCED - shed }, (_, i) => shed + 1 + i));
    // Only past the cap: what was kept filled the telemetry's share but for the few alarm/event/heartbeat rows.
    expect(PRODUCED - shed).toBeLessThanOrEqual(MAX_ROWS - RESERVE);
    expect(PRODUCED - shed).toBeGreaterThanOrEqual(MAX_ROWS - RESERVE - 20);

    // The shedding was reported, with the count; every alarm and event arrived, seq gap-free from 1.
    const events = firstOf([...on('alarm'), ...on('event')].map((m) => m.json as { id: string; seq: number; type?: string }));
    const shedEvents = events.filter((e) => e.type === 'shed').map((e) => EventMessage.parse(e));
    expect(shedEvents.length).toBeGreaterThan(0);
    expect((shedEvents.at(-1)?.body as { totalRows: number }).totalRows).toBe(shed);
    expect(on('alarm').some((m) => (m.json as { channel?: string; state?: string }).state === 'alarm')).toBe(true);
    const eventSeqs = events.map((e) => e.seq).sort((a, b) => a - b);
    expect(eventSeqs).toEqual(Array.from({ length: eventSeqs.length }, (_, i) => i + 1));
  }, 60_000);
});
