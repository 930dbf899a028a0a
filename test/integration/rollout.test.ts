// Config rollouts at the reference platform to 1 000 simulated gateways on a real Mosquitto: in waves at a
// rate, to the end when the boxes keep the config; stopped after its first wave when 5 % of the boxes
// roll it back, with nobody beyond that wave offered it. The per-box view and the console's API say so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../simulator/fleet/fleet.js';
import { ConsoleServer } from '../../simulator/platform/console.js';
import { Platform } from '../../simulator/platform/platform.js';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { HOTPOT } from '../../bench/lib/fixtures.js';
import { SimConfigSchema } from '../../simulator/config.js';
import { runSimulator } from '../../simulator/run.js';
import { GATEWAY } from '../faults/venue.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopProcess } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const N = 1000;
let broker: Broker;
let tmp: string;
const figures: string[] = [];

beforeAll(async () => {
  broker = await startBroker();
  tmp = mkdtempSync(join(tmpdir(), 'jx-rollout-'));
});

afterAll(async () => {
  console.log(`rollout figures:\n  ${figures.join('\n  ')}`);
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(tmp, { recursive: true, force: true });
});

async function fleetAndPlatform(name: string, configFailures: { refuse?: number; rollBack?: number; silent?: number }) {
  const platform = new Platform({ url: broker.url, dataDir: join(tmp, name), tickMs: 1000 });
  await platform.start();
  const fleet = new Fleet({ url: broker.url, gateways: N, heartbeatS: 60, telemetryS: 600, connectRate: 1000, configFailures, keepAfterMs: 300 });
  await fleet.start(60_000);
  const gateways = Array.from({ length: N }, (_, i) => `GW-FLEET-${String(i + 1).padStart(6, '0')}`);
  return { platform, fleet, gateways };
}

describe('config rollout at the reference platform', () => {
  it('1 000 boxes in three waves at 200 offers/s: every box keeps the new threshold', async () => {
    const { platform, fleet, gateways } = await fleetAndPlatform('all-good', {});
    try {
      const t0 = Date.now();
      const id = platform.startRollout({
        gateways,
        waves: [0.01, 0.1, 1],
        ratePerS: 200,
        abort: { failurePct: 5, minAnswered: 10 },
        probationS: 60,
        answerTimeoutS: 30,
        version: 'gas-warning-8',
        config: (gw) => `gateway: { id: ${gw} }\n# warning 8 %LEL\n`,
      });
      await waitFor(() => platform.rollout(id)?.state === 'done', 60_000, 'rollout done', 100);
      const v = platform.rollout(id)!;
      expect(v).toMatchObject({ state: 'done', wave: 3, waves: 3, failurePct: 0, counts: { kept: N } });
      figures.push(`1 000 boxes, waves 1 % → 10 % → rest, 200 offers/s: done in ${Date.now() - t0} ms (keep after 300 ms)`);
      expect(fleet.stats.commands).toBeGreaterThanOrEqual(N);
    } finally {
      await fleet.stop();
      await platform.stop();
    }
  }, 120_000);

  it('5 % of the boxes roll the config back: the rollout stops after its first wave, nobody beyond it was offered it', async () => {
    const { platform, fleet, gateways } = await fleetAndPlatform('some-bad', { rollBack: 0.05 });
    const web = new ConsoleServer(platform, { host: '127.0.0.1', port: 0 });
    await web.start();
    try {
      const id = platform.startRollout({
        id: 'threshold-2',
        gateways,
        // A first wave of 10 % (100 boxes), so that it meets its share of the failing boxes.
        waves: [0.1, 0.5, 1],
        ratePerS: 200,
        abort: { failurePct: 2, minAnswered: 50 },
        probationS: 60,
        answerTimeoutS: 30,
        version: 'threshold-2',
        config: (gw) => `gateway: { id: ${gw} }\n`,
      });
      await waitFor(() => platform.rollout(id)?.state === 'aborted', 60_000, 'rollout aborted', 100);
      const v = platform.rollout(id)!;
      expect(v.reason).toMatch(/in wave 1$/);
      const offered = v.boxes.filter((b) => b.state !== 'waiting');
      expect(offered.length).toBeLessThanOrEqual(100);
      expect(v.boxes.filter((b) => b.state === 'rolled-back').every((b) => /device kitchen-gas not answering/.test(b.reason ?? ''))).toBe(true);
      figures.push(`5 % rolling back: aborted after ${offered.length} offers (${v.counts['rolled-back']} rolled back, ${v.counts.kept} kept): ${v.reason}`);
      // The console's API shows it.
      const api = (await (await fetch(`${web.url}api/rollouts`)).json()) as { id: string; state: string }[];
      expect(api).toMatchObject([{ id: 'threshold-2', state: 'aborted' }]);
      const one = (await (await fetch(`${web.url}api/rollouts/threshold-2`)).json()) as { boxes: unknown[] };
      expect(one.boxes).toHaveLength(N);
    } finally {
      await web.stop();
      await fleet.stop();
      await platform.stop();
    }
  }, 120_000);

  it('10 real boxes among 1 000 simulated: the one whose config its devices cannot answer rolls back by itself, the rollout stops after its first wave', async () => {
    const simPort = await freePort();
    const sim = await runSimulator(
      SimConfigSchema.parse({ servers: [{ type: 'tcp', port: simPort, devices: [{ id: 'gas', profile: 'gas-lel', slaveId: 1 }] }] }),
    );
    /** A small kitchen: one gas detector (shared by every box: they only read it), a valve and a fan. */
    const boxConfig = (gw: string, extraDevice = false, warning?: number) =>
      JSON.stringify({
        gateway: { id: gw, dataDir: join(tmp, gw) },
        venue: { ...HOTPOT, id: `V-${gw}` },
        buses: [{ id: 'tcp', type: 'tcp', host: '127.0.0.1', port: simPort, timeoutMs: 300, retries: 0 }],
        devices: [
          {
            id: 'gas',
            bus: 'tcp',
            slaveId: 1,
            profile: 'gas-lel',
            group: 'kitchen',
            pollIntervalMs: 500,
            ...(warning ? { channels: { lel: { warning } } } : {}),
          },
          ...(extraDevice ? [{ id: 'ghost', bus: 'tcp', slaveId: 42, profile: 'smoke', pollIntervalMs: 500 }] : []),
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
    const real = Array.from({ length: 10 }, (_, i) => `GW-REAL-${String(i + 1).padStart(4, '0')}`);
    const procs: ChildProcess[] = [];
    const logs = new Map<string, string[]>();
    const { platform, fleet, gateways } = await fleetAndPlatform('real-and-simulated', { rollBack: 0.05 });
    try {
      for (const gw of real) {
        const file = join(tmp, `${gw}.yaml`);
        writeFileSync(file, boxConfig(gw));
        const proc = await startProcess('node', [GATEWAY, 'run', '--config', file], /gateway running/, 20_000);
        logs.set(gw, []);
        proc.stdout?.on('data', (d: Buffer) => logs.get(gw)?.push(d.toString()));
        procs.push(proc);
      }
      // Offers go to boxes the platform sees online; these ten are, before the rollout starts.
      await waitFor(() => real.every((gw) => platform.online().has(gw)), 20_000, 'the real boxes online', 100);
      const bad = real[3] as string;
      const id = platform.startRollout({
        id: 'with-real-boxes',
        gateways: [...real, ...gateways],
        waves: [0.1, 0.5, 1],
        ratePerS: 200,
        abort: { failurePct: 2, minAnswered: 50 },
        probationS: 10,
        answerTimeoutS: 20,
        version: 'real-1',
        // The new warning threshold for everyone; the bad box also gets a device nobody answers for.
        config: (gw) => (gw.startsWith('GW-REAL-') ? boxConfig(gw, gw === bad, 8) : `gateway: { id: ${gw} }\n`),
      });
      await waitFor(() => platform.rollout(id)?.state === 'aborted', 90_000, 'rollout aborted', 200);
      // The real box with the config it cannot answer goes back by itself after its probation.
      await waitFor(() => platform.rollout(id)?.boxes.find((b) => b.gw === bad)?.state === 'rolled-back', 30_000, 'the real box rolled back', 200);
      const v = platform.rollout(id)!;
      expect(v.boxes.find((b) => b.gw === bad)?.reason).toMatch(/device ghost not answering/);
      const others = v.boxes.filter((b) => b.gw.startsWith('GW-REAL-') && b.gw !== bad);
      expect(
        others.filter((b) => b.state !== 'kept'),
        (logs.get('GW-REAL-0001') ?? []).join('').slice(-3000),
      ).toEqual([]);
      expect(v.boxes.filter((b) => b.state !== 'waiting').length).toBeLessThanOrEqual(101);
      figures.push(`10 real + 1 000 simulated: aborted in wave 1 (${v.reason}); the real box rolled back: ${v.boxes.find((b) => b.gw === bad)?.reason}`);
    } finally {
      await Promise.all(procs.map((p) => stopProcess(p)));
      await fleet.stop();
      await platform.stop();
      await sim.close();
    }
  }, 180_000);
});
