// Our masters against our simulator over every transport, on real sockets and real ptys: values come
// through decoded as the profile says, and every fault is reported as what it is, never as data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { createBus } from '../../drivers/bus/create.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { planDevice, readDevice } from '../../drivers/bus/device-reader.js';
import { ModbusError } from '../../drivers/modbus/errors.js';
import { Station } from '../../simulator/server/station.js';
import { serveRtu, serveRtuOverTcp, serveTcp, type RunningServer } from '../../simulator/server/servers.js';
import { freePort } from '../helpers/net.js';
import { ptyPair, type PtyPair } from '../helpers/pty.js';
import { simDevice } from '../helpers/sim.js';

type Kind = 'tcp' | 'rtu-over-tcp' | 'rtu';

const gasPlan = planDevice({ id: 'gas', slaveId: 1, profile: BUILTIN_PROFILES['gas-lel']! });

async function rig(kind: Kind) {
  const gas = simDevice('gas-lel', 1);
  const asj = simDevice('acrel-asj', 2);
  const relay = simDevice('relay', 9);
  const station = new Station([gas, asj, relay]);
  let server: RunningServer;
  let bus: Bus;
  let pty: PtyPair | undefined;
  const common = { timeoutMs: 300, retries: 0 };
  if (kind === 'rtu') {
    pty = await ptyPair();
    server = await serveRtu(station, pty.b, 9600);
    bus = createBus({ id: 'b', type: 'rtu', path: pty.a, baud: 9600, parity: 'none', dataBits: 8, stopBits: 1, ...common });
  } else {
    const port = await freePort();
    server = kind === 'tcp' ? await serveTcp(station, '127.0.0.1', port) : await serveRtuOverTcp(station, '127.0.0.1', port);
    bus =
      kind === 'tcp'
        ? createBus({ id: 'b', type: 'tcp', host: '127.0.0.1', port, ...common })
        : createBus({ id: 'b', type: 'rtu-over-tcp', host: '127.0.0.1', port, baud: 9600, ...common });
  }
  await bus.start();
  return {
    gas,
    asj,
    relay,
    bus,
    close: async () => {
      await bus.stop();
      await server.close();
      await pty?.close();
    },
  };
}

for (const kind of ['tcp', 'rtu-over-tcp', 'rtu'] as const) {
  describe(`bus over ${kind}`, () => {
    let r: Awaited<ReturnType<typeof rig>>;
    beforeAll(async () => {
      r = await rig(kind);
    });
    afterAll(async () => r.close());

    it('reads a gas detector through its profile', async () => {
      r.gas.pin('lel', 12.3, performance.now());
      const points = await readDevice(r.bus, 1, gasPlan);
      expect(points.lel).toMatchObject({ value: 12.3, raw: 123, unit: '%LEL', kind: 'gas' });
      expect(points.status?.bits).toEqual({ al1: false, al2: false, fault: false });
    });

    it('reads the Acrel ASJ map in one transaction', async () => {
      r.asj.pin('residual-current', 321, performance.now());
      const before = r.bus.snapshot().transactions;
      const plan = planDevice({ id: 'asj', slaveId: 2, profile: BUILTIN_PROFILES['acrel-asj']! });
      expect(plan.blocks).toHaveLength(1);
      const points = await readDevice(r.bus, 2, plan);
      expect(points['residual-current']?.value).toBe(321);
      expect(points['alarm-status']?.label).toBe('alarm');
      expect(r.bus.snapshot().transactions - before).toBe(1);
    });

    it('writes a relay coil and reads the feedback', async () => {
      await r.bus.execute(9, { fc: 5, address: 2, value: true }, { priority: 'write' });
      const reply = await r.bus.execute(9, { fc: 2, address: 0, count: 8 });
      expect(reply).toEqual({ fc: 2, bits: [false, false, true, false, false, false, false, false] });
      await r.bus.execute(9, { fc: 15, address: 0, values: [true, true, false, false, false, false, false, false] }, { priority: 'write' });
      expect(await r.bus.execute(9, { fc: 1, address: 0, count: 3 })).toEqual({ fc: 1, bits: [true, true, false] });
    });

    it('reports an exception with its code', async () => {
      await expect(r.bus.execute(1, { fc: 3, address: 100, count: 1 })).rejects.toMatchObject({ code: 'exception', exceptionCode: 2 });
      r.gas.faults = { exception: 4 };
      await expect(readDevice(r.bus, 1, gasPlan)).rejects.toMatchObject({ reason: 'exception 4' });
      r.gas.faults = {};
    });

    it('times out on a silent device and stays correct afterwards', async () => {
      await expect(r.bus.execute(77, { fc: 3, address: 0, count: 1 })).rejects.toMatchObject({ code: 'timeout' });
      r.gas.faults = { noReply: true };
      await expect(readDevice(r.bus, 1, gasPlan)).rejects.toBeInstanceOf(ModbusError);
      r.gas.faults = {};
      r.gas.pin('lel', 4.5, performance.now());
      expect((await readDevice(r.bus, 1, gasPlan)).lel?.value).toBe(4.5);
    });

    it('a slow reply inside the timeout is a good reply', async () => {
      r.gas.pin('lel', 7.7, performance.now());
      r.gas.faults = { delayMs: 150 };
      expect((await readDevice(r.bus, 1, gasPlan)).lel?.value).toBe(7.7);
      r.gas.faults = {};
    });

    it('never returns a late reply as the answer to the next request', async () => {
      r.gas.pin('lel', 30, performance.now());
      r.gas.faults = { delayMs: 450 }; // after the 300 ms timeout
      await expect(r.bus.execute(1, { fc: 4, address: 0, count: 1 })).rejects.toMatchObject({ code: 'timeout' });
      r.gas.faults = {};
      // The late reply (300) arrives while we wait for this one: a different request, same slave.
      r.asj.pin('residual-current', 77, performance.now());
      const reply = await r.bus.execute(2, { fc: 3, address: 0, count: 1 });
      expect(reply).toEqual({ fc: 3, registers: [77] });
      await new Promise((res) => setTimeout(res, 300));
      const again = await r.bus.execute(1, { fc: 4, address: 0, count: 2 });
      expect(again).toMatchObject({ registers: [300, expect.any(Number)] });
    });

    it('discards a reply from the wrong slave id and a corrupted reply', async () => {
      r.gas.faults = { wrongSlaveId: true };
      await expect(readDevice(r.bus, 1, gasPlan)).rejects.toMatchObject({ code: 'timeout' });
      r.gas.faults = { corrupt: true };
      await expect(readDevice(r.bus, 1, gasPlan)).rejects.toMatchObject({ code: 'timeout' });
      r.gas.faults = {};
      const s = r.bus.snapshot();
      expect(s.foreignFrames + s.crcErrors).toBeGreaterThanOrEqual(2);
      expect((await readDevice(r.bus, 1, gasPlan)).lel).toBeDefined();
    });
  });
}
