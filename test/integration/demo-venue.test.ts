// The interface other tools rely on: the two example files work together out of the box.
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
import { waitFor } from '../helpers/pty.js';

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
    await startProcess(
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
      await platform.close();
    }
  }, 90_000);
});
