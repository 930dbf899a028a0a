// Software rollouts at the reference platform: 10 real boxes (each `run` from its own install root under a
// supervisor that restarts it as systemd would) first in line, 1 000 simulated gateways after them, one
// Mosquitto, the bundles served by the platform's console. A release that crashes at start and one that
// starts but never connects: every real box goes back to its old version by itself, the rollout stops in
// its first wave. A good release: every box keeps it. Meanwhile an 11th box, not in any rollout, raises
// and clears a gas alarm again and again: its alarm latency is measured before and during the rollout.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOTPOT } from '../../bench/lib/fixtures.js';
import { SimConfigSchema } from '../../simulator/config.js';
import { Fleet } from '../../simulator/fleet/fleet.js';
import { ConsoleServer } from '../../simulator/platform/console.js';
import { Platform } from '../../simulator/platform/platform.js';
import { runSimulator, type RunningSim } from '../../simulator/run.js';
import { GATEWAY } from '../faults/venue.js';
import { listen } from '../helpers/mqtt-listener.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopProcess } from '../helpers/proc.js';
import { installRoot, makeRelease, releaseKey, type TestRelease } from '../helpers/release.js';
import { Supervisor } from '../helpers/supervisor.js';
import { sleep, waitFor } from '../helpers/wait.js';

const N = 1000;
const REAL = Array.from({ length: 10 }, (_, i) => `GW-REAL-${String(i + 1).padStart(4, '0')}`);
const SIMS = Array.from({ length: N }, (_, i) => `GW-FLEET-${String(i + 1).padStart(6, '0')}`);
const OBSERVER = 'GW-OBSERVER-01';
let broker: Broker;
let tmp: string;
let releases: string;
let sim: RunningSim;
let simPort: number;
let platform: Platform;
let web: ConsoleServer;
let fleet: Fleet;
let observer: ChildProcess;
let watch: Awaited<ReturnType<typeof listen>>;
const boxes = new Map<string, Supervisor>();
const key = releaseKey();
const figures: string[] = [];

/** A small kitchen: the shared gas detector (slave 1), a valve and a fan in memory. */
function boxConfig(gw: string, o: { slave?: number; latch?: boolean } = {}): string {
  return JSON.stringify({
    gateway: { id: gw, dataDir: join(tmp, gw, 'data') },
    venue: { ...HOTPOT, id: `V-${gw}` },
    buses: [{ id: 'tcp', type: 'tcp', host: '127.0.0.1', port: simPort, timeoutMs: 300, retries: 0 }],
    devices: [
      {
        id: 'gas',
        bus: 'tcp',
        slaveId: o.slave ?? 1,
        profile: 'gas-lel',
        group: 'kitchen',
        pollIntervalMs: 250,
        ...(o.latch === false ? { channels: { lel: { latch: false } } } : {}),
      },
    ],
    outputs: [
      { id: 'valve', role: 'gas-valve', driver: { type: 'memory' }, closedLevel: 'off', safeState: 'off' },
      { id: 'fan', role: 'fan', driver: { type: 'memory' } },
    ],
    linkage: [
      {
        when: { group: 'kitchen', kind: 'gas', state: 'alarm' },
        do: [
          { output: 'valve', action: 'close' },
          { output: 'fan', action: 'on' },
        ],
      },
    ],
    uplink: { url: broker.url, heartbeatIntervalS: 30 },
    status: { enabled: false },
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] as number;

beforeAll(async () => {
  broker = await startBroker();
  tmp = mkdtempSync(join(tmpdir(), 'jx-sw-rollout-'));
  releases = join(tmp, 'releases');
  mkdirSync(releases);
  simPort = await freePort();
  sim = await runSimulator(
    SimConfigSchema.parse({
      servers: [
        {
          type: 'tcp',
          port: simPort,
          devices: [
            { id: 'gas', profile: 'gas-lel', slaveId: 1 },
            { id: 'observer-gas', profile: 'gas-lel', slaveId: 2 },
          ],
        },
      ],
    }),
  );
  platform = new Platform({ url: broker.url, dataDir: join(tmp, 'platform'), tickMs: 1000 });
  await platform.start();
  web = new ConsoleServer(platform, { host: '127.0.0.1', port: 0, releases });
  await web.start();
  fleet = new Fleet({ url: broker.url, gateways: N, heartbeatS: 60, telemetryS: 600, connectRate: 1000, keepAfterMs: 300 });
  await fleet.start(60_000);
  const v1 = makeRelease({ out: releases, version: '0.1.0', trusts: key });
  for (const gw of REAL) {
    mkdirSync(join(tmp, gw));
    const file = join(tmp, gw, 'gateway.yaml');
    writeFileSync(file, boxConfig(gw));
    const s = new Supervisor(installRoot(join(tmp, gw, 'opt'), v1), file);
    s.start();
    boxes.set(gw, s);
  }
  // The observer: a plain `run`, its gas alarm not latched so it can be raised and cleared again and again.
  const obs = join(tmp, 'observer.yaml');
  writeFileSync(obs, boxConfig(OBSERVER, { slave: 2, latch: false }));
  observer = await startProcess('node', [GATEWAY, 'run', '--config', obs], /gateway running/, 20_000);
  watch = await listen(broker.url, `jx/v1/${OBSERVER}/alarm`);
  await waitFor(() => [...REAL, OBSERVER].every((gw) => platform.online().has(gw)), 40_000, 'the real boxes online', 200);
}, 120_000);

afterAll(async () => {
  console.log(`software rollout figures:\n  ${figures.join('\n  ')}`);
  await Promise.all([...boxes.values()].map((s) => s.stop()));
  await stopProcess(observer);
  await watch?.close();
  await fleet?.stop();
  await web?.stop();
  await platform?.stop();
  await sim?.close();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(tmp, { recursive: true, force: true });
});

/** Raises and clears the observer's gas alarm while `busy()` holds: each raise's latency to the broker. */
async function alarmLatencies(busy: () => boolean, most = 50): Promise<number[]> {
  const gas = sim.devices.find((d) => d.id === 'observer-gas');
  const out: number[] = [];
  while (busy() && out.length < most) {
    const before = watch.got.length;
    const t0 = Date.now();
    gas?.pin('lel', 40, performance.now());
    await waitFor(() => watch.got.slice(before).some((m) => m.json?.state === 'alarm'), 20_000, 'observer alarm', 20);
    out.push(Date.now() - t0);
    const mid = watch.got.length;
    gas?.pin('lel', 0, performance.now());
    await waitFor(() => watch.got.slice(mid).some((m) => m.json?.state === 'normal'), 20_000, 'observer cleared', 20);
  }
  return out;
}

function offer(id: string, r: TestRelease, healthS = 20): string {
  return platform.startUpdateRollout({
    id,
    gateways: [...REAL, ...SIMS],
    waves: [0.01, 0.1, 1],
    ratePerS: 200,
    abort: { failurePct: 10, minAnswered: 5 },
    healthS,
    downloadS: 60,
    answerTimeoutS: 30,
    release: { ...r.signed, url: `${web.url}releases/${r.name}.tar.gz` },
  });
}

/** Per real box: ms from the switch (the old version's exit to restart) to running on the old version again. */
function rollbackTimes(version: string, back: string): number[] {
  return REAL.map((gw) => {
    const s = boxes.get(gw) as Supervisor;
    const i = s.starts.findIndex((x) => x.version === version);
    const switchAt = s.starts[i - 1]?.exitAt as number;
    const after = s.starts.slice(i).find((x) => x.version === back && x.readyAt !== undefined);
    return (after?.readyAt as number) - switchAt;
  });
}

describe('software rollout at the reference platform', () => {
  it('alarm latency on a box outside the rollout, before any rollout', async () => {
    let n = 0;
    const base = await alarmLatencies(() => n++ < 5);
    figures.push(
      `observer gas alarm → broker, no rollout: p50 ${pct(base, 50)} ms, max ${Math.max(...base)} ms (n=${base.length}; gas pinned at the simulator → alarm message at the broker)`,
    );
  }, 120_000);

  it('a release that crashes at start: every real box back on its old version by itself, the rollout aborted in its first wave', async () => {
    const r = makeRelease({ out: releases, version: '0.2.0', trusts: key, crashAtStart: true });
    const id = offer('crash', r);
    await waitFor(() => platform.rollout(id)?.state === 'aborted', 90_000, 'aborted', 200);
    await waitFor(() => REAL.every((gw) => platform.rollout(id)?.boxes.find((b) => b.gw === gw)?.state === 'rolled-back'), 60_000, 'all real rolled back', 200);
    const v = platform.rollout(id)!;
    expect(v.reason).toMatch(/in wave 1/);
    expect(v.boxes.filter((b) => b.state !== 'waiting').length).toBeLessThanOrEqual(11);
    for (const gw of REAL) {
      expect(boxes.get(gw)?.current()).toBe('0.1.0');
      expect(v.boxes.find((b) => b.gw === gw)?.reason).toBe('not healthy after 3 starts');
    }
    await waitFor(() => REAL.every((gw) => platform.online().has(gw)), 30_000, 'all back online', 200);
    const t = rollbackTimes('0.2.0', '0.1.0');
    figures.push(
      `release crashing at start, 10 real boxes: back on the old version ${pct(t, 50) / 1000} s (p50), ${pct(t, 99) / 1000} s (p99) after the switch; ${v.reason}`,
    );
  }, 180_000);

  it('a release that starts but never connects: every real box goes back after its health time, the rollout aborted', async () => {
    const r = makeRelease({ out: releases, version: '0.3.0', trusts: key, brokenUplink: true });
    const id = offer('no-uplink', r, 20);
    await waitFor(
      () => REAL.every((gw) => platform.rollout(id)?.boxes.find((b) => b.gw === gw)?.state === 'rolled-back'),
      120_000,
      'all real rolled back',
      200,
    );
    expect(platform.rollout(id)?.state).toBe('aborted');
    const v = platform.rollout(id)!;
    for (const gw of REAL) {
      expect(boxes.get(gw)?.current()).toBe('0.1.0');
      expect(v.boxes.find((b) => b.gw === gw)?.reason).toBe('not healthy in time: the uplink did not connect');
    }
    const t = rollbackTimes('0.3.0', '0.1.0');
    expect(Math.max(...t)).toBeLessThan(60_000);
    figures.push(
      `release that never connects (healthS 20): back on the old version ${pct(t, 50) / 1000} s (p50), ${pct(t, 99) / 1000} s (p99) after the switch`,
    );
    await waitFor(() => REAL.every((gw) => platform.online().has(gw)), 30_000, 'all back online', 200);
  }, 180_000);

  it('a good release to 1 010 boxes in three waves: every box keeps it; the observer’s alarms go through meanwhile', async () => {
    const r = makeRelease({ out: releases, version: '0.4.0', trusts: key });
    const served = web.served.bytes;
    const t0 = Date.now();
    const id = offer('good', r, 30);
    const during = alarmLatencies(() => platform.rollout(id)?.state === 'running');
    await waitFor(() => platform.rollout(id)?.state !== 'running', 120_000, 'rollout over', 200);
    const lat = await during;
    const v = platform.rollout(id)!;
    expect(v.state, JSON.stringify(v.counts)).toBe('done');
    expect(v.counts.kept).toBe(N + REAL.length);
    for (const gw of REAL) expect(boxes.get(gw)?.current()).toBe('0.4.0');
    const perBox = (web.served.bytes - served) / REAL.length;
    figures.push(
      `good release to ${N + REAL.length} boxes (10 real) in 3 waves at 200 offers/s: done in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `${(perBox / 1024).toFixed(0)} KiB moved per real box for a ${(r.manifest.size / 1024).toFixed(0)} KiB bundle (${(perBox / r.manifest.size).toFixed(2)} ×)`,
    );
    if (lat.length) figures.push(`observer gas alarm → broker during the rollout: p50 ${pct(lat, 50)} ms, max ${Math.max(...lat)} ms (n=${lat.length})`);
    await sleep(0);
  }, 180_000);
});
