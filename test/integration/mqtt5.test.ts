// MQTT 5 works as well as 3.1.1: publish from the outbox, retained status, a command in and its result
// out, and a command sent while the gateway was away delivered when it returns (persistent session).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UplinkSection } from '../../config/index.js';
import { createLogger } from '../../gateway/log/logger.js';
import { Outbox } from '../../gateway/outbox/outbox.js';
import { Uplink } from '../../gateway/uplink/uplink.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-mqtt5-'));
let broker: Broker | undefined;
afterAll(async () => {
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

describe.each([4, 5] as const)('MQTT protocol version %i', (version) => {
  it('publishes, takes commands, and gets a command sent while it was away', async () => {
    broker ??= await startBroker();
    const gw = `GW-V${version}-0001`;
    const platform = await listen(broker.url, `jx/v1/${gw}/#`, { protocolVersion: version });
    const outbox = new Outbox(join(dir, `v${version}`), { maxRows: 1000, maxBytes: 1e6, reserveRows: 10 });
    const commands: string[] = [];
    const make = () =>
      new Uplink(UplinkSection.parse({ url: broker!.url, protocolVersion: version }), {
        gatewayId: gw,
        outbox,
        log: createLogger({ level: 'silent' }),
        onCommand: async (p) => void commands.push(p.toString()),
        reconnectMinMs: 100,
        reconnectMaxMs: 200,
      });
    let up = make();
    outbox.add('alarm', `a-v${version}`, { boot: 'b', mono: 0, unsynced: false }, ({ seq }) => ({ v: version, seq }));
    up.start();
    await waitFor(() => platform.got.some((m) => m.topic.endsWith('/alarm')), 5000, 'alarm over MQTT');
    await waitFor(() => platform.got.some((m) => m.topic.endsWith('/status') && m.payload === 'online'), 5000, 'status online');
    await platform.client.publishAsync(`jx/v1/${gw}/cmd`, '{"id":"c1","name":"ping"}', { qos: 1 });
    await waitFor(() => commands.length === 1, 5000, 'command in');
    // Away: a clean stop (offline published), a command meanwhile, then back with the same client id.
    await up.stop();
    await waitFor(() => platform.got.some((m) => m.topic.endsWith('/status') && m.payload === 'offline'), 5000, 'offline on a clean stop');
    await platform.client.publishAsync(`jx/v1/${gw}/cmd`, '{"id":"c2","name":"ping"}', { qos: 1 });
    up = make();
    up.start();
    await waitFor(() => commands.length === 2, 5000, 'the command queued while away');
    expect(commands.map((c) => (JSON.parse(c) as { id: string }).id)).toEqual(['c1', 'c2']);
    await up.stop();
    await platform.close();
    outbox.close();
  });
});
