// Cross-checks with code we did not write: our masters read Debian's pymodbus server correctly, and
// Debian's mbpoll (and modbus-serial's TCP client) read our simulator correctly, over TCP and over RTU
// on real ptys.
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { createBus } from '../../drivers/bus/create.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { planDevice, readDevice } from '../../drivers/bus/device-reader.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { PointSchema } from '../../config/index.js';
import { decodePoint, rawFromWords } from '../../drivers/plan/codec.js';
import { Station } from '../../simulator/server/station.js';
import { serveRtu, serveTcp } from '../../simulator/server/servers.js';
import { freePort } from '../helpers/net.js';
import { runCommand, startProcess, stopAll } from '../helpers/proc.js';
import { ptyPair } from '../helpers/pty.js';
import { simDevice } from '../helpers/sim.js';

// modbus-serial is CommonJS whose typings declare an ES default export; require() gives the class.
const ModbusRTU = createRequire(import.meta.url)('modbus-serial') as typeof import('modbus-serial').default;

const PEER = join(import.meta.dirname, '..', 'peers', 'pymodbus_server.py');
afterAll(stopAll);

async function expectPymodbusContents(bus: Bus): Promise<void> {
  expect(await bus.execute(1, { fc: 3, address: 0, count: 10 })).toEqual({ fc: 3, registers: [100, 101, 102, 103, 104, 105, 106, 107, 108, 109] });
  const f = await bus.execute(1, { fc: 3, address: 20, count: 2 });
  const p = PointSchema.parse({ fc: 3, address: 20, type: 'f32' });
  expect(decodePoint(p, rawFromWords(p, 'registers' in f ? f.registers : [])).value).toBe(12.5);
  expect(await bus.execute(1, { fc: 1, address: 0, count: 8 })).toEqual({ fc: 1, bits: [true, false, true, false, false, false, false, true] });
  expect(await bus.execute(1, { fc: 2, address: 0, count: 3 })).toEqual({ fc: 2, bits: [false, true, true] });
  // The input registers follow the gas-lel map: our profile decodes pymodbus's registers.
  const gas = await readDevice(bus, 1, planDevice({ id: 'g', slaveId: 1, profile: BUILTIN_PROFILES['gas-lel']! }));
  expect(gas.lel?.value).toBe(12.3);
  expect(gas.status?.bits).toEqual({ al1: true, al2: false, fault: true });
  await bus.execute(1, { fc: 6, address: 5, value: 4242 }, { priority: 'write' });
  await bus.execute(1, { fc: 16, address: 6, values: [1, 2] }, { priority: 'write' });
  expect(await bus.execute(1, { fc: 3, address: 5, count: 3 })).toEqual({ fc: 3, registers: [4242, 1, 2] });
  await expect(bus.execute(1, { fc: 3, address: 500, count: 1 })).rejects.toMatchObject({ code: 'exception', exceptionCode: 2 });
}

describe('our masters against pymodbus', () => {
  it('Modbus TCP', async () => {
    const port = await freePort();
    await startProcess('/usr/bin/python3', [PEER, 'tcp', String(port)], /ready/);
    const bus = createBus({ id: 'p', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 1000, retries: 0 });
    await bus.start();
    try {
      await expectPymodbusContents(bus);
    } finally {
      await bus.stop();
    }
  });

  it('Modbus RTU on a pty', async () => {
    const pty = await ptyPair();
    try {
      await startProcess('/usr/bin/python3', [PEER, 'rtu', pty.b, '9600'], /ready/);
      const bus = createBus({ id: 'p', type: 'rtu', path: pty.a, baud: 9600, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs: 1000, retries: 0 });
      await bus.start();
      try {
        await expectPymodbusContents(bus);
      } finally {
        await bus.stop();
      }
    } finally {
      await stopAll();
      await pty.close();
    }
  });
});

/** mbpoll prints "[N]: \tvalue" lines. */
function mbpollValues(stdout: string): number[] {
  return [...stdout.matchAll(/^\[\d+\]:\s+(-?\d+)/gm)].map((m) => Number(m[1]));
}

describe('mbpoll and modbus-serial against our simulator', () => {
  it('over Modbus TCP', async () => {
    const gas = simDevice('gas-lel', 1);
    const asj = simDevice('acrel-asj', 3);
    const relay = simDevice('relay', 9);
    gas.pin('lel', 27.5, performance.now());
    asj.pin('residual-current', 250, performance.now());
    const port = await freePort();
    const server = await serveTcp(new Station([gas, asj, relay]), '127.0.0.1', port);
    try {
      const input = await runCommand('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '1', '-t', '3', '-r', '0', '-0', '-c', '2', '-1', '127.0.0.1']);
      expect(input.code).toBe(0);
      expect(mbpollValues(input.stdout)).toEqual([275, 0b0001]); // 27.5 %LEL, AL1 at ≥ 25
      const holding = await runCommand('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '3', '-t', '4', '-r', '0', '-0', '-c', '1', '-1', '127.0.0.1']);
      expect(mbpollValues(holding.stdout)).toEqual([250]);
      const status = await runCommand('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '3', '-t', '4', '-r', '27', '-0', '-c', '1', '-1', '127.0.0.1']);
      expect(mbpollValues(status.stdout)).toEqual([1]); // pre-warning: 250 ≥ 200, < 300
      const write = await runCommand('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '9', '-t', '0', '-r', '3', '-0', '-1', '127.0.0.1', '1']);
      expect(write.code).toBe(0);
      expect(relay.snapshot()['coil-3']).toBe(true);
      const missing = await runCommand('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '1', '-t', '3', '-r', '40', '-0', '-c', '1', '-1', '127.0.0.1']);
      expect(missing.stdout + missing.stderr).toMatch(/Illegal data address/i);

      const client = new ModbusRTU();
      await client.connectTCP('127.0.0.1', { port });
      client.setID(3);
      client.setTimeout(1000);
      try {
        expect((await client.readHoldingRegisters(0x001b, 1)).data).toEqual([1]);
        client.setID(9);
        expect((await client.readDiscreteInputs(0, 4)).data.slice(0, 4)).toEqual([false, false, false, true]);
      } finally {
        await new Promise<void>((r) => client.close(() => r()));
      }
    } finally {
      await server.close();
    }
  });

  it('as a Modbus TCP gateway: an empty id gets exception 11, seen by mbpoll and modbus-serial', async () => {
    const port = await freePort();
    const server = await serveTcp(new Station([simDevice('smoke', 4)], { gateway: true }), '127.0.0.1', port);
    try {
      const none = await runCommand('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', '2', '-t', '4', '-r', '0', '-0', '-c', '1', '-1', '127.0.0.1']);
      expect(none.stdout + none.stderr).toMatch(/Target device failed to respond/i); // libmodbus: EMBXGTAR
      const client = new ModbusRTU();
      await client.connectTCP('127.0.0.1', { port });
      client.setID(2);
      client.setTimeout(1000);
      try {
        await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 11 });
        client.setID(4);
        expect((await client.readHoldingRegisters(0, 1)).data).toHaveLength(1);
      } finally {
        await new Promise<void>((r) => client.close(() => r()));
      }
    } finally {
      await server.close();
    }
  });

  it('over Modbus RTU on a pty', async () => {
    const pty = await ptyPair();
    const gas = simDevice('gas-lel', 1);
    const smoke = simDevice('smoke', 2);
    gas.pin('lel', 8.8, performance.now());
    smoke.pin('density', 0.2, performance.now());
    const server = await serveRtu(new Station([gas, smoke]), pty.b, 9600);
    try {
      const common = ['-m', 'rtu', '-b', '9600', '-P', 'none', '-0', '-1', '-o', '1'];
      const a = await runCommand('mbpoll', [...common, '-a', '1', '-t', '3', '-r', '0', '-c', '2', pty.a]);
      expect(a.code).toBe(0);
      expect(mbpollValues(a.stdout)).toEqual([88, 0]);
      const b = await runCommand('mbpoll', [...common, '-a', '2', '-t', '4', '-r', '0', '-c', '2', pty.a]);
      expect(mbpollValues(b.stdout)).toEqual([1, 20]); // alarm bit, 0.20 dB/m
      const none = await runCommand('mbpoll', [...common, '-a', '5', '-t', '4', '-r', '0', '-c', '1', pty.a]);
      expect(none.stdout + none.stderr).toMatch(/timed out|Connection timed out/i);
    } finally {
      await server.close();
      await pty.close();
    }
  });
});
