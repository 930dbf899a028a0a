// GB/T 26875.3 end to end: the real `run` process, the simulated devices, Mosquitto for the platform and
// the simulated monitoring centre. A gas leak reaches the centre as a fire-alarm component status (type 2)
// and a %LEL value (type 3), confirmed; the platform gets the same alarm over MQTT. Then the centre goes
// away, the residual current swings, the gateway is killed with -9 and started again, and the centre
// comes back: every channel change the platform got reaches the centre too, in the same order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimCentre } from '../../simulator/centre/centre.js';
import { SimConfigSchema } from '../../simulator/config.js';
import { runSimulator, type RunningSim } from '../../simulator/run.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopAll, stopProcess } from '../helpers/proc.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { HOTPOT, venueLine } from '../../bench/lib/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GATEWAY = join(ROOT, 'dist/gateway/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'jx-centre-'));
let broker: Broker | undefined;
let sim: RunningSim | undefined;
const centres: SimCentre[] = [];
afterAll(async () => {
  await stopAll();
  for (const c of centres) await c.close();
  await sim?.close();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

type Status = { type: 2; componentAddress: number; status: number };

describe('GB/T 26875.3 centre beside MQTT, end to end', () => {
  it('gas leak at both; an outage with kill -9 in it: the centre gets every change the platform got, in order', async () => {
    broker = await startBroker();
    const platform = await listen(broker.url, 'jx/v1/GW-GBT-0001/#');
    const port = await freePort();
    sim = await runSimulator(
      SimConfigSchema.parse({
        servers: [
          {
            type: 'tcp',
            port,
            devices: [
              { id: 'gas', profile: 'gas-lel', slaveId: 1 },
              { id: 'rcd', profile: 'acrel-asj', slaveId: 2 },
            ],
          },
        ],
      }),
    );
    let centre = new SimCentre({ address: 1 });
    centres.push(centre);
    const centrePort = await centre.listen();
    const statusPort = await freePort();
    const file = join(dir, 'gw.yaml');
    writeFileSync(
      file,
      `gateway: { id: GW-GBT-0001, dataDir: ${join(dir, 'data')} }
${venueLine(HOTPOT, { id: 'V-GBT', name: '测试火锅', flammables: false })}
buses: [{ id: tcp, type: tcp, host: 127.0.0.1, port: ${port}, timeoutMs: 300 }]
devices:
  - { id: gas, bus: tcp, slaveId: 1, profile: gas-lel, pollIntervalMs: 200, location: 后厨 }
  - { id: rcd, bus: tcp, slaveId: 2, profile: acrel-asj, pollIntervalMs: 100, channels: { residual-current: { onDelayMs: 0 } } }
uplink: { url: "${broker.url}", heartbeatIntervalS: 10 }
centre: { host: 127.0.0.1, port: ${centrePort}, address: 12345, centreAddress: 1, confirmTimeoutMs: 2000, heartbeatS: 10 }
status: { port: ${statusPort} }
`,
    );
    let gw = await startProcess('node', [GATEWAY, 'run', '--config', file], /gateway running/, 20_000);
    await waitFor(() => centre.units().some((u) => u.unit.type === 21), 15_000, 'the transmitter status at the centre');

    // Gas leak: fire-alarm status and the %LEL value at the centre, the alarm at the platform.
    sim.devices.find((d) => d.id === 'gas')!.setBehaviour('gas-leak', performance.now());
    await waitFor(
      () => centre.units().some((u) => u.unit.type === 2 && ((u.unit.objects[0] as Status).status & 0b10) !== 0),
      40_000,
      'a fire-alarm status at the centre',
    );
    const fire = centre.units().find((u) => u.unit.type === 2 && ((u.unit.objects[0] as Status).status & 0b10) !== 0)!.unit.objects[0];
    expect(fire).toMatchObject({ type: 2, systemType: 1, componentType: 11, componentAddress: 0x10001, description: '后厨 gas lel' });
    await waitFor(() => centre.units().some((u) => u.unit.type === 3), 10_000, 'the gas value at the centre');
    const value = centre.units().find((u) => u.unit.type === 3)!.unit.objects[0] as { analogType: number; value: number };
    expect(value.analogType).toBe(6);
    expect(value.value).toBeGreaterThanOrEqual(100); // ≥ 10 %LEL in 0.1 %LEL steps
    await waitFor(
      () => platform.got.some((m) => m.topic.endsWith('/alarm') && m.json?.device === 'gas' && m.json?.state === 'alarm'),
      10_000,
      'the alarm at the platform',
    );
    // Every data frame the box sent was confirmed.
    const sent = centre.got.filter((r) => r.dir === 'in' && r.command === 2).map((r) => r.serial);
    await waitFor(() => centre.got.filter((r) => r.dir === 'out' && r.command === 3).length >= sent.length, 5000, 'confirms');

    // The centre goes away; the residual current swings; kill -9; start again; the centre comes back.
    await centre.close();
    const rcd = sim.devices.find((d) => d.id === 'rcd')!;
    for (let i = 0; i < 6; i++) {
      rcd.pin('residual-current', i % 2 ? 50 : 350, performance.now());
      await sleep(600);
    }
    gw.kill('SIGKILL');
    await new Promise((r) => gw.once('exit', r));
    gw = await startProcess('node', [GATEWAY, 'run', '--config', file], /gateway running/, 20_000);
    rcd.pin('residual-current', 350, performance.now());
    await sleep(800);
    centre = new SimCentre({ address: 1, port: centrePort });
    centres.push(centre);
    await centre.listen();

    // What the platform got for the residual-current channel, in order, against what the centre got.
    const rcdAtPlatform = () =>
      platform.got
        .filter((m) => m.topic.endsWith('/alarm') && m.json?.device === 'rcd' && m.json?.channel === 'residual-current' && m.json?.reannounce !== true)
        .map((m) => m.json!.state as string);
    const stateOf = (status: number) => (status & 0b10 ? 'alarm' : status & 0b100 ? 'fault' : status & 0b10000 ? 'warning' : 'normal');
    const rcdAtCentre = () =>
      centres
        .flatMap((c) => c.units())
        .filter((u) => u.unit.type === 2 && (u.unit.objects[0] as Status).componentAddress === 0x10002)
        .map((u) => stateOf((u.unit.objects[0] as Status).status));
    await waitFor(() => rcdAtPlatform().length >= 6, 20_000, 'the swings at the platform');
    await waitFor(() => rcdAtCentre().length >= rcdAtPlatform().length, 30_000, `the swings at the centre (platform ${rcdAtPlatform().join(',')})`);
    // The same changes in the same order (a frame sent just before the kill may come twice: at least once).
    const dedup = (xs: string[]) => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
    expect(dedup(rcdAtCentre())).toEqual(dedup(rcdAtPlatform()));
    // The link as the box shows it: status.json and /metrics.
    const statusJson = async () => (await (await fetch(`http://127.0.0.1:${statusPort}/status.json`)).json()) as { centre: Record<string, unknown> };
    for (let i = 0; i < 50 && (await statusJson()).centre.backlog !== 0; i++) await sleep(200);
    const status = await statusJson();
    expect(status.centre).toMatchObject({ address: `127.0.0.1:${centrePort}`, connected: true, backlog: 0, denied: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
    expect(metrics).toMatch(/^jx_centre_connected 1$/m);
    expect(metrics).toMatch(/^jx_centre_backlog 0$/m);
    expect(Number(/^jx_centre_frames_total\{answer="confirmed"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    await stopProcess(gw);
    await platform.close();
  }, 180_000);
});
