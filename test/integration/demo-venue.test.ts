// The interface other tools rely on: the two example files work together out of the box. And `npm run demo`
// (jiuxiao-sim demo): the same venue with an embedded broker and the reference platform, one command.
// Both use the example files' fixed ports, so they live in this one file and run one after the other.
//   jiuxiao-sim devices --config config/examples/simulated-venue.sim.yaml --scenario gas-leak
//   jiuxiao-gateway run --config config/examples/simulated-venue.yaml
// produce an alarm on jx/v1/GW-DEMO-0001/alarm at the broker. The broker and the data directory come in
// through the deployment overrides (JX_MQTT_URL, JX_DATA_DIR), as in a real install.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmMessage } from '../../gateway/contract/messages.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { startProcess, stopAll, stopProcess } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'jx-demo-'));
let broker: Broker | undefined;
afterAll(async () => {
  await stopAll();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo venue', () => {
  it('simulator with gas-leak + gateway: an alarm with the venue fields reaches the broker', async () => {
    broker = await startBroker();
    const platform = await listen(broker.url, 'jx/v1/GW-DEMO-0001/#');
    const sim = await startProcess(
      'node',
      [join(ROOT, 'dist/simulator/cli/main.js'), 'devices', '--config', join(ROOT, 'config/examples/simulated-venue.sim.yaml'), '--scenario', 'gas-leak'],
      /^ready$/m,
    );
    const env = { ...process.env, JX_MQTT_URL: broker.url, JX_DATA_DIR: join(dir, 'data') };
    const gw = spawn('node', [join(ROOT, 'dist/gateway/cli/main.js'), 'run', '--config', join(ROOT, 'config/examples/simulated-venue.yaml')], {
      env,
      stdio: 'ignore',
    });
    try {
      await waitFor(() => platform.got.some((m) => m.topic === 'jx/v1/GW-DEMO-0001/alarm' && m.json?.state === 'alarm'), 45_000, 'the gas alarm at the broker');
      const alarm = AlarmMessage.parse(platform.got.find((m) => m.topic.endsWith('/alarm') && m.json?.state === 'alarm')?.json);
      expect(alarm).toMatchObject({
        gw: 'GW-DEMO-0001',
        device: 'kitchen-gas',
        channel: 'lel',
        kind: 'gas',
        venue: { id: 'V-DEMO-0001', adminCode: '500242100000', category: 'catering', risk: 'red' },
      });
      // A platform that subscribes later gets the retained status.
      const late = await listen(broker.url, 'jx/v1/GW-DEMO-0001/status');
      await waitFor(() => late.got.length > 0, 5000, 'retained status');
      expect(late.got[0]).toMatchObject({ payload: 'online', retain: true });
      // kill -9: the broker publishes the will, the retained offline.
      gw.kill('SIGKILL');
      await waitFor(() => late.got.some((m) => m.payload === 'offline'), 10_000, 'the will: offline');
      await late.close();
    } finally {
      await stopProcess(gw);
      await stopProcess(sim); // the demo below needs the example's ports
      await platform.close();
    }
  }, 90_000);

  const startDemo = (...more: string[]) =>
    spawn(
      'node',
      [join(ROOT, 'dist/simulator/cli/main.js'), 'demo', '--scenario', 'gas-leak', '--mqtt-port', '0', '--http', '0', '--data', join(dir, 'demo'), ...more],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );

  it('npm run demo -- --scenario gas-leak --centre: one case at the township, escalated, acknowledged in the console, confirmed by the box; Ctrl-C stops all cleanly', async () => {
    const demo = startDemo('--centre', '--centre-port', '0');
    let out = '';
    demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => /ready \(Ctrl-C stops everything/.test(out), 30_000, 'the demo ready');
      expect(out).toMatch(/broker {3}embedded MQTT broker on mqtt:\/\/127\.0\.0\.1:\d+/);
      const consoleUrl = /county platform console (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] as string;
      expect(consoleUrl).toBeDefined();
      // The console's scenario buttons: every simulator scenario, a bad name refused with the list.
      const list = (await (await fetch(`${consoleUrl}api/scenarios`)).json()) as { name: string; text: string }[];
      expect(list.map((x) => x.name)).toEqual(['gas-leak', 'kitchen-fire', 'overload', 'sensor-fault', 'flapping-link', 'calm']);
      const bad = await fetch(`${consoleUrl}api/scenarios/fire`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/no scenario "fire": one of gas-leak, kitchen-fire/);
      await waitFor(() => /platform case C-\d+: warning gas at V-DEMO-0001 \(red\) → township 500242100/.test(out), 45_000, `the case: ${out}`);
      await waitFor(() => /gateway {2}燃气阀已关闭 gas valve closed/.test(out) && /报警 ALARM kitchen-gas\/lel/.test(out), 45_000, `the alarm: ${out}`);
      const overview = async () => (await (await fetch(`${consoleUrl}api/overview`)).json()) as { openCases: { no: string; status: string; worst: string }[] };
      await waitFor(() => /county governance centre/.test(out), 10_000, 'escalated (a red venue)');
      const cases = (await overview()).openCases;
      expect(cases).toHaveLength(1);
      expect(cases[0]).toMatchObject({ status: 'escalated', worst: 'alarm' });
      const r = await fetch(`${consoleUrl}api/cases/${cases[0]!.no}/acknowledge`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"by":"demo"}',
      });
      expect(r.status).toBe(200);
      await waitFor(() => /ack-alarm confirmed by GW-DEMO-0001/.test(out), 10_000, `the box confirms: ${out}`);
      // --centre: the same alarm at the simulated GB/T 26875.3 centre, as a fire-alarm component status.
      expect(out).toMatch(/centre {3}simulated GB\/T 26875\.3 monitoring centre on 127\.0\.0\.1:\d+/);
      await waitFor(
        () => /centre {3}<- type 2 component status \{"type":2,"systemType":1,"systemAddress":0,"componentType":11,.*"status":3,/.test(out),
        10_000,
        `the centre: ${out}`,
      );
      const t0 = Date.now();
      demo.kill('SIGINT');
      const code = await new Promise<number | null>((res) => demo.once('exit', (c) => res(c)));
      console.log(`demo: Ctrl-C → all stopped in ${Date.now() - t0} ms`);
      expect(code).toBe(0);
      expect(out).toMatch(/gateway stopped in \d+ ms: outputs as the alarms demand, valves closed, state saved, outbox flushed, status offline published/);
      expect(out).toMatch(/stopped\n$/);
    } finally {
      await stopProcess(demo);
    }
  }, 120_000);

  it('the next demo after one stopped mid-alarm starts from a clean venue, says so, and the leak makes a new case', async () => {
    // The run above stopped with the gas alarm standing (acknowledged, latched) in the same data folder.
    const demo = startDemo();
    let out = '';
    demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => /ready \(Ctrl-C stops everything/.test(out), 30_000, 'the demo ready');
      expect(out).toMatch(/demo {5}starting from a clean venue: the last run's alarms and cases removed/);
      await waitFor(() => /platform case C-\d+: warning gas at V-DEMO-0001/.test(out), 45_000, `a new case: ${out}`);
      await waitFor(() => /报警 ALARM kitchen-gas\/lel/.test(out), 45_000, `the alarm again: ${out}`);
      demo.kill('SIGINT');
      expect(await new Promise<number | null>((res) => demo.once('exit', (c) => res(c)))).toBe(0);
    } finally {
      await stopProcess(demo);
    }
  }, 120_000);
});
