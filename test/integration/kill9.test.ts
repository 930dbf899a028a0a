// Invariant 1 under the worst stop: kill -9 of the gateway process at random moments while it produces
// and publishes events, 20 rounds. After each kill the outbox passes quick_check; at the end every
// message on alarm and event that was ever committed (seq 1..N, N the persisted counter) has reached the
// broker. A resend keeps its id and seq.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SimConfigSchema } from '../../simulator/config.js';
import { runSimulator, type RunningSim } from '../../simulator/run.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopAll, stopProcess } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';
import { SHOP, venueLine } from '../../bench/lib/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GATEWAY = join(ROOT, 'dist/gateway/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'jx-kill9-'));
let broker: Broker | undefined;
let sim: RunningSim | undefined;
afterAll(async () => {
  await stopAll();
  await sim?.close();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 while publishing', () => {
  it('20 rounds: quick_check passes every time, and no committed alarm or event is missing at the broker', async () => {
    broker = await startBroker();
    const platform = await listen(broker.url, 'jx/v1/GW-K9-0001/#');
    const port = await freePort();
    sim = await runSimulator(
      SimConfigSchema.parse({
        servers: [
          {
            type: 'tcp',
            port,
            devices: [
              { id: 'rcd', profile: 'acrel-asj', slaveId: 2 },
              { id: 'relays', profile: 'relay', slaveId: 9 },
            ],
          },
        ],
      }),
    );
    const rcd = sim.devices.find((d) => d.id === 'rcd')!;
    // Residual current swinging across warning and alarm: a steady stream of events and output actions.
    let high = false;
    const swing = setInterval(() => {
      high = !high;
      rcd.pin('residual-current', high ? 350 : 50, performance.now());
    }, 150);
    const dataDir = join(dir, 'data');
    const file = join(dir, 'gw.yaml');
    writeFileSync(
      file,
      `gateway: { id: GW-K9-0001, dataDir: ${dataDir} }
${venueLine(SHOP, { id: 'V-K9' })}
buses: [{ id: tcp, type: tcp, host: 127.0.0.1, port: ${port}, timeoutMs: 300 }]
devices:
  - { id: rcd, bus: tcp, slaveId: 2, profile: acrel-asj, pollIntervalMs: 100, channels: { residual-current: { onDelayMs: 0 } } }
  - { id: relays, bus: tcp, slaveId: 9, profile: relay, pollIntervalMs: 1000 }
outputs: [{ id: trip, role: shunt-trip, driver: { type: modbus-coil, device: relays, coil: 3 } }]
linkage: [{ when: { device: rcd, state: warning }, do: [{ output: trip, action: on }] }]
uplink: { url: "${broker.url}", heartbeatIntervalS: 10, telemetryIntervalS: 10 }
log: { level: info }
status: { enabled: false }
`,
    );
    const checks: string[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const gw = await startProcess('node', [GATEWAY, 'run', '--config', file], /gateway running/, 15_000);
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        gw.kill('SIGKILL');
        await new Promise((r) => (gw.exitCode !== null || gw.signalCode !== null ? r(undefined) : gw.once('exit', r)));
        const db = new Database(join(dataDir, 'outbox.db'));
        checks.push(db.pragma('quick_check', { simple: true }) as string);
        db.close();
      }
      clearInterval(swing);
      // A last run drains the outbox, then a clean stop.
      const gw = await startProcess('node', [GATEWAY, 'run', '--config', file], /gateway running/, 15_000);
      const backlog = () => {
        const db = new Database(join(dataDir, 'outbox.db'), { readonly: true });
        const n = db.prepare("SELECT COUNT(*) FROM outbox WHERE topic IN ('alarm', 'event')").pluck().get() as number;
        db.close();
        return n;
      };
      await waitFor(() => backlog() === 0, 30_000, 'outbox drained');
      await stopProcess(gw);
    } finally {
      clearInterval(swing);
    }
    expect(checks).toEqual(Array(20).fill('ok'));
    const db = new Database(join(dataDir, 'outbox.db'), { readonly: true });
    const committed = db.prepare("SELECT value FROM counters WHERE name = 'event'").pluck().get() as number;
    db.close();
    await waitFor(
      () => new Set(platform.got.filter((m) => /\/(alarm|event)$/.test(m.topic)).map((m) => m.json?.seq)).size >= committed,
      10_000,
      'all seqs at the broker',
    );
    const got = platform.got.filter((m) => /\/(alarm|event)$/.test(m.topic)).map((m) => m.json as { id: string; seq: number });
    const seqs = new Set(got.map((m) => m.seq));
    const missing = Array.from({ length: committed }, (_, i) => i + 1).filter((s) => !seqs.has(s));
    console.log(`kill -9: ${committed} alarm/event messages committed over 20 rounds, all at the broker`);
    expect(committed).toBeGreaterThan(40);
    expect(missing).toEqual([]);
    const idOfSeq = new Map<number, string>();
    for (const m of got) {
      const seen = idOfSeq.get(m.seq);
      if (seen !== undefined) expect(seen).toBe(m.id); // a duplicate is a resend of the same message
      idOfSeq.set(m.seq, m.id);
    }
    await platform.close();
  }, 240_000);
});
