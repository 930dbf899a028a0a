// The box's link to a GB/T 26875.3 centre against the simulated centre, over real TCP on loopback, with
// the real outbox on SQLite: delivery with confirms, retries then a reconnect on silence, a denial, an
// outage drained in order, and the centre's requests, clock sync and inspection answered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CentreSection } from '../../../config/index.js';
import { SimCentre } from '../../../simulator/centre/centre.js';
import { createLogger } from '../../log/logger.js';
import { Outbox } from '../../outbox/outbox.js';
import { CentreLink } from './centre-link.js';
import { COMMANDS, timeLabelOf } from './frame.js';
import type { ComponentMap } from './components.js';

const root = mkdtempSync(join(tmpdir(), 'jx-centre-link-'));
const log = createLogger({ level: 'fatal', pretty: false, name: 'test' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const maps: ComponentMap[] = [
  {
    device: 'kitchen-gas',
    channel: 'lel',
    kind: 'gas',
    componentType: 11,
    componentAddress: 0x10001,
    description: '后厨 燃气',
    analogType: 6,
    analogScale: 10,
  },
];
type Channel = { device: string; channel: string; state: 'normal' | 'warning' | 'alarm' | 'fault'; test: boolean };

async function setup(opts: { timeoutMs?: number; retries?: number; centre?: SimCentre; port?: number } = {}) {
  const centre = opts.centre ?? new SimCentre({ address: 1 });
  const port = opts.port ?? (await centre.listen());
  cleanups.push(() => centre.close());
  const box = new Outbox(join(root, `d${++n}`), { maxRows: 1000, maxBytes: 1_000_000, reserveRows: 100 });
  cleanups.push(() => box.close());
  const queue = box.addDestination('centre', ['alarm', 'event']);
  const channels: Channel[] = [{ device: 'kitchen-gas', channel: 'lel', state: 'normal', test: false }];
  const clockSyncs: Date[] = [];
  const cfg = CentreSection.parse({
    host: '127.0.0.1',
    port,
    address: 12345,
    centreAddress: 1,
    confirmTimeoutMs: opts.timeoutMs ?? 1000,
    retries: opts.retries ?? 3,
  });
  const link = new CentreLink({
    centre: cfg,
    zone: 'Asia/Shanghai',
    maps,
    queue,
    log,
    channels: () => channels,
    reading: () => 12.5,
    onClock: (d) => clockSyncs.push(d),
    version: { major: 0, minor: 1 },
    describe: 'GW-TEST 测试店',
    reconnectMaxMs: 300,
  });
  link.start();
  cleanups.push(() => link.stop());
  const alarm = (id: string, state: Channel['state'], value: number, reason = 'threshold') => {
    box.add('alarm', id, { boot: 'b', mono: 0, unsynced: false }, ({ seq }) => ({
      v: 1,
      id,
      seq,
      at: '2026-12-02T08:15:30.000Z',
      type: 'channel',
      device: 'kitchen-gas',
      channel: 'lel',
      kind: 'gas',
      state,
      reason,
      value,
      test: false,
    }));
    link.kick();
  };
  return { centre, box, queue, link, channels, alarm, clockSyncs, port };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dataTypes = (c: SimCentre) => c.units().map((u) => u.unit.type);

describe('CentreLink', () => {
  it('connects with its status, sends an alarm as type 2 (fire) and type 3 (value), each confirmed, and the queue empties', async () => {
    const { centre, queue, alarm, link } = await setup();
    await until('the status on connect', () => dataTypes(centre).includes(21));
    alarm('a1', 'alarm', 26.4);
    await until('both frames of the alarm', () => dataTypes(centre).filter((t) => t !== 21 && t !== 28).length === 2);
    const [status, clock, fire, value] = centre.units().map((u) => u.unit.objects[0]);
    expect(status).toMatchObject({ type: 21, status: 0b1 });
    expect(clock).toMatchObject({ type: 28 });
    expect(fire).toMatchObject({ type: 2, systemType: 1, componentType: 11, componentAddress: 0x10001, status: 0b11, description: '后厨 燃气' });
    expect(value).toMatchObject({ type: 3, analogType: 6, value: 264 });
    // Every data frame from the box is confirmed under its own serial, serials counting up.
    const ins = centre.got.filter((r) => r.dir === 'in' && r.command === COMMANDS.send);
    const confirms = centre.got.filter((r) => r.dir === 'out' && r.command === COMMANDS.confirm);
    expect(confirms.map((r) => r.serial)).toEqual(ins.map((r) => r.serial));
    expect(ins.map((r) => r.serial)).toEqual([1, 2, 3, 4]);
    expect(ins[0]).toMatchObject({ source: 12345, destination: 1 });
    await until('the row confirmed', () => queue.size === 0);
    expect(link.picture()).toMatchObject({ connected: true, confirmed: 4, denied: 0, backlog: 0 });
  });

  it('no confirm: the frame is sent again (same serial) up to the retries, then the connection is made anew and it goes first', async () => {
    const { centre, alarm, queue, link } = await setup({ timeoutMs: 1000, retries: 2 });
    await until('connected', () => dataTypes(centre).includes(21));
    centre.behave({ answer: 'silent', count: 3 }); // the first send and both resends
    alarm('a1', 'alarm', 30);
    await until('delivered after the reconnect', () => queue.size === 0, 15_000);
    const fireSends = centre.got.filter((r) => r.dir === 'in' && r.unit?.type === 2);
    // Three sends of serial N on the first connection, then on the second connection after its status.
    expect(fireSends.length).toBe(4);
    expect(new Set(fireSends.slice(0, 3).map((r) => r.serial)).size).toBe(1);
    expect(link.picture().resent).toBeGreaterThanOrEqual(2);
  });

  it('a denial is not sent again: counted, and the next message goes', async () => {
    const { centre, alarm, queue, link } = await setup();
    await until('connected', () => dataTypes(centre).includes(21));
    centre.behave({ answer: 'deny', count: 1 });
    alarm('a1', 'alarm', 30);
    alarm('a2', 'normal', 2, 'cleared');
    await until('both messages through', () => queue.size === 0);
    expect(link.picture().denied).toBe(1);
    const twos = centre.units().filter((u) => u.unit.type === 2);
    expect(twos.map((u) => u.unit.objects[0]).map((o) => (o as { status: number }).status)).toEqual([0b11, 0b01]);
  });

  it('a centre outage: everything committed meanwhile arrives after it, in order, alarms first', async () => {
    const first = new SimCentre({ address: 1 });
    const { centre, alarm, box, queue, port } = await setup({ centre: first });
    await until('connected', () => dataTypes(centre).includes(21));
    await centre.close();
    for (let i = 0; i < 5; i++) alarm(`a${i}`, i % 2 ? 'normal' : 'alarm', 20 + i, i % 2 ? 'cleared' : 'threshold');
    box.add('event', 'e1', { boot: 'b', mono: 0, unsynced: false }, ({ seq }) => ({ id: 'e1', seq, type: 'command', body: { name: 'silence', ok: true } }));
    expect(queue.size).toBe(6);
    const back = new SimCentre({ address: 1, port });
    await back.listen();
    cleanups.push(() => back.close());
    await until('the backlog drained', () => queue.size === 0, 20_000);
    const got = back.units().map((u) => u.unit.objects[0]!);
    const statuses = got.filter((o) => o.type === 2).map((o) => (o as { status: number }).status);
    expect(statuses).toEqual([0b11, 0b01, 0b11, 0b01, 0b11]);
    const values = got.filter((o) => o.type === 3).map((o) => (o as { value: number }).value);
    expect(values).toEqual([200, 210, 220, 230, 240]);
    // The silence event after the alarms, as an operation record (type 24, silence bit).
    expect(got.at(-1)).toMatchObject({ type: 24, operation: 0b10 });
  });

  it('answers the centre: status, version, description, clock, a component and its value; syncs the clock; answers 查岗', async () => {
    const { centre, channels, clockSyncs } = await setup();
    await until('connected', () => dataTypes(centre).includes(21));
    channels[0]!.state = 'fault';
    const ask = (type: number, extra: Record<string, unknown> = {}) => centre.ask(COMMANDS.request, { type, objects: [{ type, ...extra }] } as never);
    const status = await ask(81, { reserved: 0 });
    expect(status.command).toBe(COMMANDS.reply);
    const decoded = (f: { serial: number }) => centre.got.find((r) => r.dir === 'in' && r.unit && r.serial === f.serial && r.command === COMMANDS.reply)?.unit;
    expect(decoded(status)?.objects[0]).toMatchObject({ type: 21, status: 0b101 });
    expect(decoded(await ask(85, { reserved: 0 }))?.objects[0]).toMatchObject({ type: 25, major: 0, minor: 1 });
    expect(decoded(await ask(86, { reserved: 0 }))?.objects[0]).toMatchObject({ type: 26, description: 'GW-TEST 测试店' });
    expect(decoded(await ask(88, { reserved: 0 }))?.objects[0]).toMatchObject({ type: 28 });
    expect(decoded(await ask(62, { systemType: 1, systemAddress: 0, componentAddress: 0x10001 }))?.objects[0]).toMatchObject({ type: 2, status: 0b101 });
    expect(decoded(await ask(63, { systemType: 1, systemAddress: 0, componentAddress: 0x10001 }))?.objects[0]).toMatchObject({ type: 3, value: 125 });
    // A component the box does not have, a system that is not ours: denied.
    expect((await ask(62, { systemType: 1, systemAddress: 0, componentAddress: 99 })).command).toBe(COMMANDS.deny);
    expect((await ask(61, { systemType: 9, systemAddress: 0 })).command).toBe(COMMANDS.deny);
    // Clock sync: confirmed, and our clock hears of it.
    const now = new Date();
    expect((await centre.ask(COMMANDS.control, { type: 90, objects: [{ type: 90, clock: timeLabelOf(now, 'Asia/Shanghai') }] })).command).toBe(
      COMMANDS.confirm,
    );
    expect(clockSyncs).toHaveLength(1);
    expect(Math.abs(clockSyncs[0]!.getTime() - now.getTime())).toBeLessThan(1000);
    // 查岗: confirmed, then answered with the transmitter's operation "inspection answered".
    expect((await centre.ask(COMMANDS.control, { type: 91, objects: [{ type: 91, timeoutMinutes: 5 }] })).command).toBe(COMMANDS.confirm);
    await until('the inspection answer', () => centre.units().some((u) => u.unit.type === 24));
    expect(centre.units().find((u) => u.unit.type === 24)?.unit.objects[0]).toMatchObject({ type: 24, operation: 0b100000 });
    // Initialising the transmitter remotely: refused.
    expect((await centre.ask(COMMANDS.control, { type: 89, objects: [{ type: 89, reserved: 0 }] })).command).toBe(COMMANDS.deny);
  });
});

describe('CentreLink against a hostile centre (issue 22, item 8)', () => {
  it('a flood of inspections: answered a bounded number of times, one answer waiting at most, and an alarm still goes first', async () => {
    const { centre, alarm, link } = await setup();
    await until('connected', () => link.picture().connected && dataTypes(centre).includes(28));
    const FLOOD = 3000;
    let peak = 0;
    for (let i = 0; i < FLOOD; i++) {
      centre.ask(COMMANDS.control, { type: 91, objects: [{ type: 91, timeoutMinutes: 5 }] }, 30_000).catch(() => undefined);
      peak = Math.max(peak, link.waitingLocal);
    }
    alarm('a1', 'alarm', 26.4);
    await until('the alarm at the centre', () => dataTypes(centre).includes(2), 15_000);
    const types = dataTypes(centre);
    const before = types.slice(0, types.indexOf(2));
    // Before the alarm: the connect's status and clock, and at most one inspection answer.
    expect(before.filter((t) => t === 24).length).toBeLessThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(3);
    expect(link.waitingLocal).toBeLessThanOrEqual(3);
    await until('the requests read', () => link.pressure.unanswered + 20 >= FLOOD / 2, 15_000);
    expect(link.pressure.unanswered).toBeGreaterThan(0);
  }, 30_000);

  it('a centre that sends requests and never reads: what waits to be sent stays bounded', async () => {
    const { createServer } = await import('node:net');
    const { encodeFrame } = await import('./frame.js');
    const { encodeUnit } = await import('./units.js');
    const request = encodeFrame({
      serial: 1,
      version: { main: 1, user: 0 },
      time: timeLabelOf(new Date(), 'Asia/Shanghai'),
      source: 1,
      destination: 12345,
      command: COMMANDS.request,
      data: encodeUnit({ type: 81, objects: [{ type: 81, reserved: 0 }] }),
    });
    let sent = 0;
    const hostile = createServer((s) => {
      s.pause(); // never reads: our answers pile up in the kernel's buffers, then in the socket's
      s.on('error', () => undefined);
      const burst = Buffer.concat(Array(500).fill(request));
      const timer = setInterval(() => {
        if (sent >= 200_000 || s.destroyed) return clearInterval(timer);
        s.write(burst);
        sent += 500;
      }, 5);
      s.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => hostile.close(() => r())));
    const port = (hostile.address() as { port: number }).port;
    const { link } = await setup({ port });
    let peak = 0;
    await until(
      '20 000 requests sent at the box',
      () => {
        peak = Math.max(peak, link.pressure.unsentBytes);
        return sent >= 20_000;
      },
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    peak = Math.max(peak, link.pressure.unsentBytes);
    expect(peak).toBeLessThanOrEqual(64 * 1024 + 1024);
    expect(link.pressure.unanswered).toBeGreaterThan(10_000);
  }, 30_000);
});
