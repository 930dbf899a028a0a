// A message in flight when the link drops is published again on the next connection. mqtt.js's
// reconnect() starts an empty store and never calls the lost publish's callback, so the uplink must
// forget what was in flight and fetch it from the outbox again (found: a box with anything in flight
// at a drop never drained, and cut every new connection a second after it was made).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UplinkSection } from '../../config/schema.js';
import { createLogger } from '../../gateway/log/logger.js';
import { Outbox } from '../../gateway/outbox/outbox.js';
import { Uplink } from '../../gateway/uplink/uplink.js';
import { listen } from '../helpers/mqtt-listener.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';

let broker: Broker;
let dir: string;

beforeAll(async () => {
  broker = await startBroker({ persistence: true });
  dir = mkdtempSync(join(tmpdir(), 'jx-resend-'));
});

afterAll(async () => {
  const pid = broker?.pid();
  if (pid) process.kill(pid, 'SIGCONT');
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

describe('uplink: what was in flight at a drop', () => {
  it('a publish never acknowledged (broker frozen) is sent again after the reconnect, and the outbox drains', async () => {
    const platform = await listen(broker.url, 'jx/v1/GW-RESEND/#', { clean: false, clientId: 'platform-resend' });
    const outbox = new Outbox(join(dir, 'data'), { maxRows: 1000, maxBytes: 1_000_000, reserveRows: 100 });
    const uplink = new Uplink(UplinkSection.parse({ url: broker.url }), {
      gatewayId: 'GW-RESEND',
      outbox,
      log: createLogger({ level: 'silent' }),
      onCommand: async () => undefined,
      reconnectMinMs: 200,
      reconnectMaxMs: 500,
      ackTimeoutMs: 1000,
    });
    try {
      uplink.start();
      await waitFor(() => uplink.connected, 5000, 'uplink connected');
      const pid = broker.pid() as number;
      // Frozen: the publish leaves (the kernel takes it) and its PUBACK never comes.
      process.kill(pid, 'SIGSTOP');
      outbox.add('alarm', 'alarm-in-flight', { boot: 'b', mono: 0, unsynced: false }, ({ seq }) => ({ id: 'alarm-in-flight', seq }));
      uplink.urgent();
      await waitFor(() => uplink.inFlightCount === 1, 2000, 'the alarm in flight');
      // The ack timeout cuts the connection; the reconnects wait on the frozen broker.
      await waitFor(() => !uplink.connected, 5000, 'connection cut for the missing PUBACK');
      process.kill(pid, 'SIGCONT');
      await waitFor(() => outbox.backlog().alarm === 0, 20_000, 'the alarm acknowledged on a later connection');
      expect(uplink.inFlightCount).toBe(0);
      expect(platform.got.filter((m) => m.json?.id === 'alarm-in-flight').length).toBeGreaterThanOrEqual(1);
      // And the link stays up: nothing is left "late" to cut the next connection.
      const connects = uplink.connects;
      await new Promise((r) => setTimeout(r, 2500));
      expect(uplink.connected).toBe(true);
      expect(uplink.connects).toBe(connects);
    } finally {
      await uplink.stop(1000);
      await platform.close();
    }
  }, 40_000);
});
