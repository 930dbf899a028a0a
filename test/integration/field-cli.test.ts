// `scan` and `read` as an installer uses them, against the simulator on a real socket and a real pty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/run-cli.js';
import { Station } from '../../simulator/server/station.js';
import { serveRtu, serveRtuOverTcp, serveTcp, type RunningServer } from '../../simulator/server/servers.js';
import type { SimDevice } from '../../simulator/device/sim-device.js';
import { freePort } from '../helpers/net.js';
import { ptyPair, type PtyPair } from '../helpers/pty.js';
import { simDevice } from '../helpers/sim.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {} });
  return { code, out, err };
}

describe('scan and read over Modbus TCP', () => {
  let server: RunningServer;
  let tcp: string;
  let gas: SimDevice;
  let asj: SimDevice;
  beforeAll(async () => {
    gas = simDevice('gas-lel', 1);
    asj = simDevice('acrel-asj', 3);
    const port = await freePort();
    server = await serveTcp(new Station([gas, asj]), '127.0.0.1', port);
    tcp = `127.0.0.1:${port}`;
  });
  afterAll(async () => server.close());

  it('scan finds the answering ids, an exception counts as present', async () => {
    const r = await cli('scan', '--tcp', tcp, '--ids', '1-5', '--timeout', '100', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      { id: 1, answer: 'exception 2 to fc 3 (it is there)' },
      { id: 3, answer: expect.stringMatching(/^holding register 0 = \d+$/) },
    ]);
  });

  it('behind a Modbus TCP gateway that answers exception 11 for an empty id, scan lists only the devices', async () => {
    const port = await freePort();
    const gateway = await serveTcp(new Station([simDevice('smoke', 4)], { gateway: true }), '127.0.0.1', port);
    try {
      const r = await cli('scan', '--tcp', `127.0.0.1:${port}`, '--ids', '1-6', '--timeout', '2000', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual([{ id: 4, answer: expect.stringMatching(/^holding register 0 = \d+$/) }]);
    } finally {
      await gateway.close();
    }
  });

  it('scan of an empty range exits 1', async () => {
    const r = await cli('scan', '--tcp', tcp, '--ids', '10-11', '--timeout', '50');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no slave id answered in 10-11/);
  });

  it('read --profile decodes every point', async () => {
    gas.pin('lel', 26.4, performance.now());
    const r = await cli('read', '--tcp', tcp, '--id', '1', '--profile', 'gas-lel', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      points: {
        lel: { value: 26.4, unit: '%LEL', raw: 264 },
        status: { value: 1, raw: 1, bits: { al1: true, al2: false, fault: false } },
      },
    });
    const human = await cli('read', '--tcp', tcp, '--id', '1', '--profile', 'gas-lel');
    expect(human.out).toMatch(/lel +26\.4 %LEL +raw 264/);
    expect(human.out).toMatch(/status +1 +al1=1 al2=0 fault=0/);
  });

  it('read --fc gives raw registers or bits; hex addresses work', async () => {
    asj.pin('residual-current', 512, performance.now());
    expect(JSON.parse((await cli('read', '--tcp', tcp, '--id', '3', '--fc', '3', '--address', '0x0000', '--count', '1', '--json')).out)).toEqual({
      registers: [512],
    });
    expect(JSON.parse((await cli('read', '--tcp', tcp, '--id', '3', '--fc', '3', '--address', '0x001B', '--json')).out)).toEqual({ registers: [2] });
  });

  it('read exits 1 with the reason and prints no data on an exception or silence', async () => {
    const ex = await cli('read', '--tcp', tcp, '--id', '3', '--fc', '4', '--address', '0');
    expect(ex.code).toBe(1);
    expect(ex.err).toMatch(/exception 2 \(illegal data address\)/);
    expect(ex.out).toBe('');
    const none = await cli('read', '--tcp', tcp, '--id', '9', '--fc', '3', '--address', '0', '--timeout', '100', '--json');
    expect(none.code).toBe(1);
    expect(JSON.parse(none.out)).toEqual({ error: expect.stringMatching(/^timeout/) });
  });

  it('read --repeat polls over one connection, one JSON line each, exit 1 if any failed', async () => {
    gas.faults = { noReply: true, probability: 0 };
    const ok = await cli('read', '--tcp', tcp, '--id', '1', '--profile', 'gas-lel', '--repeat', '3', '--interval', '10', '--json');
    expect(ok.code).toBe(0);
    expect(
      ok.out
        .trim()
        .split('\n')
        .map((l) => Object.keys(JSON.parse(l) as object)),
    ).toEqual([['points'], ['points'], ['points']]);
    gas.faults = { noReply: true };
    const bad = await cli('read', '--tcp', tcp, '--id', '1', '--profile', 'gas-lel', '--repeat', '2', '--interval', '10', '--timeout', '100', '--json');
    expect(bad.code).toBe(1);
    expect(
      bad.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as object),
    ).toEqual([{ error: expect.any(String) }, { error: expect.any(String) }]);
    gas.faults = {};
  });

  it('usage errors name the flag', async () => {
    expect((await cli('read', '--tcp', tcp, '--profile', 'gas-lel')).err).toMatch(/--id N is required/);
    expect((await cli('read', '--tcp', 'nohostport', '--id', '1', '--profile', 'gas-lel')).err).toMatch(/--tcp expects HOST:PORT/);
    expect((await cli('read', '--tcp', tcp, '--id', '1', '--profile', 'gas-lle')).err).toMatch(/unknown profile "gas-lle"/);
    expect((await cli('scan', '--tcp', tcp, '--ids', '5-1')).code).toBe(2);
    expect((await cli('read', '--port', '/dev/x', '--tcp', tcp, '--id', '1')).err).toMatch(/give --port PATH \(serial\) or --tcp HOST:PORT/);
  });

  it("behind a serial server (RTU over TCP) scan claims no baud rate: the line runs at the server's settings", async () => {
    const port = await freePort();
    const rot = await serveRtuOverTcp(new Station([simDevice('smoke', 2)]), '127.0.0.1', port);
    try {
      const r = await cli('scan', '--tcp', `127.0.0.1:${port}`, '--rtu-over-tcp', '--baud', 'auto', '--ids', '1-3', '--timeout', '200');
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/--baud and --parity set nothing on .*: the line behind it runs at the serial server's own settings/);
      expect(r.out).toBe('slave 2: holding register 0 = 0\n1 slave id(s) answered\n');
      const j = await cli('scan', '--tcp', `127.0.0.1:${port}`, '--rtu-over-tcp', '--ids', '2', '--timeout', '200', '--json');
      expect(JSON.parse(j.out)).toEqual([{ id: 2, answer: expect.stringMatching(/^holding register 0/) }]);
    } finally {
      await rot.close();
    }
  });

  it('a connection that is refused is a clear error', async () => {
    const port = await freePort();
    const r = await cli('read', '--tcp', `127.0.0.1:${port}`, '--id', '1', '--profile', 'gas-lel');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot open tcp 127\.0\.0\.1:\d+: connection refused/);
  });
});

describe('scan and read on a serial line (pty)', () => {
  let pty: PtyPair;
  let server: RunningServer;
  let smoke: SimDevice;
  beforeAll(async () => {
    pty = await ptyPair();
    smoke = simDevice('smoke', 7);
    server = await serveRtu(new Station([smoke]), pty.b, 9600);
  });
  afterAll(async () => {
    await server.close();
    await pty.close();
  });

  it('scan reports the id with baud and parity', async () => {
    const r = await cli('scan', '--port', pty.a, '--ids', '6-8', '--timeout', '100', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ id: 7, baud: 9600, parity: 'none', answer: expect.stringMatching(/^holding register 0/) }]);
  });

  it('on a line that answers at every setting (a pty ignores the baud rate) each id is reported once, and why', async () => {
    const r = await cli('scan', '--port', pty.a, '--baud', '9600,19200', '--parity', 'auto', '--ids', '7', '--timeout', '100');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('slave 7 at'))).toEqual([expect.stringMatching(/^slave 7 at 9600 8N1: holding register 0/)]);
    expect(r.out).toMatch(/slave 7 answered at every setting tried \(6\): this line does not tell them apart/);
    expect(r.out).toMatch(/1 slave id\(s\) answered\n$/);
    const j = await cli('scan', '--port', pty.a, '--baud', '9600,19200', '--ids', '7', '--timeout', '100', '--json');
    expect(JSON.parse(j.out)).toEqual([{ id: 7, baud: 9600, parity: 'none', answer: expect.any(String), alsoAt: [{ baud: 19200, parity: 'none' }] }]);
  });

  it('a corrupted reply is refused and said to be a bad CRC', async () => {
    smoke.faults = { corrupt: true };
    const r = await cli('read', '--port', pty.a, '--id', '7', '--profile', 'smoke', '--timeout', '200');
    smoke.faults = {};
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/timeout.*discarded: 1 frame\(s\) with a bad CRC/);
  });

  it('a missing serial device is a clear error', async () => {
    const r = await cli('read', '--port', `${pty.dir}/nothing`, '--id', '1', '--profile', 'smoke');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no such serial device/);
  });
});
