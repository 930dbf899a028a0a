// The box's link to a GB/T 26875.3 centre against the simulated centre, over real TCP on loopback, with
// the real outbox on SQLite: delivery with confirms, retries then a reconnect on silence, a deny sent
// again (§6.3.3, §6.5.1), a bad frame denied (§6.2.2), serials from 0 per connection, an outage drained in
// order, and the centre's requests, clock sync and inspection (查岗) as docs/gbt26875.md says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CentreSection } from '../../../config/index.js';
import { SimCentre } from '../../../simulator/centre/centre.js';
import { createLogger } from '../../log/logger.js';
import { Outbox } from '../../outbox/outbox.js';
import type { ChannelEvent, OutputEvent } from '../../events.js';
import { CentreLink } from './centre-link.js';
import { COMMANDS, dateOf, encodeFrame, timeLabelOf } from './frame.js';
import type { ComponentMap } from './components.js';
import { OperationLog } from './operations.js';
import { centreRecordFromContract, centreRecordOf, operationOf, type CentreRecord } from './record.js';
import { encodeUnit } from './units.js';
import { sleep, waitFor } from '../../../test/helpers/wait.js';

/**
 * Waits until the centre has heard nothing new for 300 ms: the frames of the connect (its status units)
 * are through, so a behaviour set next applies to the test's own frames, not to those (on a loaded
 * machine they can still be arriving after the first one was seen). Bounded.
 */
async function settled(centre: SimCentre): Promise<void> {
  for (let i = 0, n = -1; i < 40 && centre.got.length !== n; i++) {
    n = centre.got.length;
    await sleep(300);
  }
}

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

async function setup(
  opts: { timeoutMs?: number; retries?: number; centre?: SimCentre; port?: number; inspection?: 'person' | 'auto' | 'off'; dir?: string } = {},
) {
  const centre = opts.centre ?? new SimCentre({ address: 1 });
  const port = opts.port ?? (await centre.listen());
  cleanups.push(() => centre.close());
  const box = new Outbox(opts.dir ?? join(root, `d${++n}`), { maxRows: 1000, maxBytes: 1_000_000, reserveRows: 100 });
  cleanups.push(() => box.close());
  const byChannel = new Map(maps.map((m) => [`${m.device}/${m.channel}`, m]));
  const operations = new OperationLog(box.database);
  const queue = box.addReceiver<CentreRecord>({
    name: 'centre',
    keep: (r) => centreRecordOf(r, byChannel),
    upgrade: centreRecordFromContract,
    kept: (record) => {
      const op = operationOf(record);
      if (op) operations.add(op);
    },
  });
  const channels: Channel[] = [{ device: 'kitchen-gas', channel: 'lel', state: 'normal', test: false }];
  const clockSyncs: Date[] = [];
  const cfg = CentreSection.parse({
    host: '127.0.0.1',
    port,
    address: 12345,
    centreAddress: 1,
    confirmTimeoutMs: opts.timeoutMs ?? 1000,
    retries: opts.retries ?? 3,
    ...(opts.inspection ? { inspection: opts.inspection } : {}),
  });
  const link = new CentreLink({
    centre: cfg,
    zone: 'Asia/Shanghai',
    maps,
    queue,
    operations,
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
  const meta = { boot: 'b', mono: 0, unsynced: false };
  const alarm = (id: string, state: Channel['state'], value: number, reason: ChannelEvent['reason'] = 'threshold') => {
    const event: ChannelEvent = {
      type: 'channel',
      id,
      device: 'kitchen-gas',
      channel: 'lel',
      kind: 'gas',
      state,
      previousState: 'normal',
      reason,
      detail: '',
      value,
      latched: false,
      test: false,
      at: Date.parse('2026-12-02T08:15:30.000Z'),
      mono: 0,
    };
    // The platform's JSON is whatever it is: the centre encodes from the event.
    box.add('alarm', id, meta, ({ seq }) => ({ id, seq, not: 'what the centre reads' }), { event, reannounce: false });
    link.kick();
  };
  const silenced = (id: string) => {
    const event: OutputEvent = {
      type: 'output',
      id,
      output: 'buzzer',
      role: 'buzzer',
      action: 'off',
      level: 'off',
      status: 'commanded',
      reason: 'silenced',
      at: Date.now(),
    };
    box.add('event', id, meta, ({ seq }) => ({ id, seq }), { event, reannounce: false });
    link.kick();
  };
  return { centre, box, queue, link, channels, alarm, silenced, clockSyncs, port, operations };
}

/** The centre's request for the transmitter's status (81), as bytes. */
const statusRequest = (serial: number) =>
  encodeFrame({
    serial,
    version: { main: 1, user: 0 },
    time: timeLabelOf(new Date(), 'Asia/Shanghai'),
    source: 1,
    destination: 12345,
    command: COMMANDS.request,
    data: encodeUnit({ type: 81, objects: [{ type: 81, reserved: 0 }] }),
  });

const dataTypes = (c: SimCentre) => c.units().map((u) => u.unit.type);

describe('CentreLink', () => {
  it('connects with its status, sends an alarm as type 2 (fire) and type 3 (value), each confirmed, and the queue empties', async () => {
    const { centre, queue, alarm, link } = await setup();
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'the status on connect');
    alarm('a1', 'alarm', 26.4);
    await waitFor(() => dataTypes(centre).filter((t) => t !== 21 && t !== 28).length === 2, 10_000, 'both frames of the alarm');
    const [status, clock, fire, value] = centre.units().map((u) => u.unit.objects[0]);
    expect(status).toMatchObject({ type: 21, status: 0b1 });
    expect(clock).toMatchObject({ type: 28 });
    expect(fire).toMatchObject({ type: 2, systemType: 1, componentType: 11, componentAddress: 0x10001, status: 0b11, description: '后厨 燃气' });
    expect(value).toMatchObject({ type: 3, analogType: 6, value: 264 });
    // Every data frame from the box is confirmed under its own serial, serials counting up.
    const ins = centre.got.filter((r) => r.dir === 'in' && r.command === COMMANDS.send);
    const confirms = centre.got.filter((r) => r.dir === 'out' && r.command === COMMANDS.confirm);
    expect(confirms.map((r) => r.serial)).toEqual(ins.map((r) => r.serial));
    // Serials start at 0 on a connection (the standard), the connect's status first.
    expect(ins.map((r) => r.serial)).toEqual([0, 1, 2, 3]);
    expect(ins[0]).toMatchObject({ source: 12345, destination: 1 });
    await waitFor(() => queue.size === 0, 10_000, 'the row confirmed');
    expect(link.picture()).toMatchObject({ connected: true, confirmed: 4, denied: 0, backlog: 0 });
  });

  it('no confirm: the frame is sent again (same serial) up to the retries, then the connection is made anew and it goes first', async () => {
    const { centre, alarm, queue, link } = await setup({ timeoutMs: 1000, retries: 2 });
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'connected');
    await settled(centre);
    centre.behave({ answer: 'silent', count: 3 }); // the first send and both resends
    alarm('a1', 'alarm', 30);
    await waitFor(() => queue.size === 0, 15_000, 'delivered after the reconnect');
    const fireSends = centre.got.filter((r) => r.dir === 'in' && r.unit?.type === 2);
    // Three sends of serial N on the first connection, then on the second connection after its status.
    expect(fireSends.length).toBe(4);
    expect(new Set(fireSends.slice(0, 3).map((r) => r.serial)).size).toBe(1);
    expect(link.picture().resent).toBeGreaterThanOrEqual(2);
  });

  it('a denied frame is sent again, same serial, up to the retries (§6.3.3); a centre that denies once then confirms gets it', async () => {
    const { centre, alarm, queue, link } = await setup();
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'connected');
    await settled(centre);
    centre.behave({ answer: 'deny', count: 1 });
    alarm('a1', 'alarm', 30);
    alarm('a2', 'normal', 2, 'cleared');
    await waitFor(() => queue.size === 0, 10_000, 'both messages through');
    expect(link.picture().denied).toBe(1);
    const fire = centre.got.filter((r) => r.dir === 'in' && r.unit?.type === 2);
    // a1's type 2 twice (denied, then confirmed) under one serial, then a2's.
    expect(fire.map((r) => (r.unit!.objects[0] as { status: number }).status)).toEqual([0b11, 0b11, 0b01]);
    expect(fire[0]!.serial).toBe(fire[1]!.serial);
  });

  it('denied every time: the row is set aside, the next goes, and it is tried again after a pause — never dropped', async () => {
    const { centre, alarm, queue, link } = await setup({ retries: 2 });
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'connected');
    await settled(centre);
    centre.behave({ answer: 'deny', count: 3 }); // the send and both resends of a1's first frame
    alarm('a1', 'alarm', 30);
    alarm('a2', 'warning', 12);
    await waitFor(() => queue.size === 0, 15_000, 'both delivered');
    expect(link.picture()).toMatchObject({ denied: 3, setAside: 0 });
    const statuses = centre
      .units()
      .filter((u) => u.unit.type === 2)
      .map((u) => (u.unit.objects[0] as { status: number }).status);
    // a1 (fire) denied three times, a2 (supervisory) meanwhile, then a1 again: confirmed.
    expect(statuses).toEqual([0b11, 0b11, 0b11, 0b10001, 0b11]);
  });

  it('a centre that denies everything, then comes back sane: the fire alarm reaches it within 10 s of its return', async () => {
    const hostile = new SimCentre({ address: 1 });
    const { alarm, queue, port } = await setup({ centre: hostile, retries: 1 });
    await waitFor(() => dataTypes(hostile).includes(21), 10_000, 'connected');
    hostile.behave({ answer: 'deny' });
    alarm('fire', 'alarm', 40);
    await waitFor(() => hostile.got.filter((r) => r.dir === 'out' && r.command === COMMANDS.deny).length >= 3, 10_000, 'denied and set aside');
    await hostile.close();
    const sane = new SimCentre({ address: 1, port });
    const back = Date.now();
    await sane.listen();
    cleanups.push(() => sane.close());
    await waitFor(() => sane.units().some((u) => u.unit.type === 2), 10_000, 'the alarm at the sane centre');
    expect(Date.now() - back).toBeLessThan(10_000);
    await waitFor(() => queue.size === 0, 10_000, 'the row gone');
    // On the new connection serials start at 0 again.
    expect(sane.got.find((r) => r.dir === 'in' && r.command === COMMANDS.send)?.serial).toBe(0);
  }, 30_000);

  it('a frame from the centre that cannot be read (checksum, command, length) is discarded and denied under its serial (§6.2.2)', async () => {
    const { centre } = await setup();
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'connected');
    const frame = statusRequest;
    const badSum = frame(501);
    badSum[badSum.length - 3] = (badSum[badSum.length - 3]! + 1) & 0xff;
    const badCommand = frame(502);
    badCommand[26] = 9;
    const tooLong = frame(503);
    tooLong[24] = 0xff;
    tooLong[25] = 0x04; // 1279 bytes announced
    centre.raw(Buffer.concat([badSum, badCommand, tooLong, frame(504)]));
    const answered = (serial: number) => centre.got.find((r) => r.dir === 'in' && r.serial === serial)?.command;
    await waitFor(() => [501, 502, 503, 504].every((x) => answered(x) !== undefined), 10_000, 'answers to all four');
    expect([501, 502, 503].map(answered)).toEqual([COMMANDS.deny, COMMANDS.deny, COMMANDS.deny]);
    expect(answered(504)).toBe(COMMANDS.reply);
  });

  it('a centre outage: everything committed meanwhile arrives after it, in order, alarms first', async () => {
    const first = new SimCentre({ address: 1 });
    const { centre, alarm, silenced, queue, port } = await setup({ centre: first });
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'connected');
    await centre.close();
    for (let i = 0; i < 5; i++) alarm(`a${i}`, i % 2 ? 'normal' : 'alarm', 20 + i, i % 2 ? 'cleared' : 'threshold');
    silenced('e1');
    expect(queue.size).toBe(6);
    const back = new SimCentre({ address: 1, port });
    await back.listen();
    cleanups.push(() => back.close());
    await waitFor(() => queue.size === 0, 20_000, 'the backlog drained');
    const got = back.units().map((u) => u.unit.objects[0]!);
    const statuses = got.filter((o) => o.type === 2).map((o) => (o as { status: number }).status);
    expect(statuses).toEqual([0b11, 0b01, 0b11, 0b01, 0b11]);
    const values = got.filter((o) => o.type === 3).map((o) => (o as { value: number }).value);
    expect(values).toEqual([200, 210, 220, 230, 240]);
    // The silence (the buzzer commanded off, "silenced") after the alarms, as an operation (type 24, silence bit).
    expect(got.at(-1)).toMatchObject({ type: 24, operation: 0b10 });
  });

  it('answers the centre: status, version, description, clock, a component and its value; takes its clock sync', async () => {
    const { centre, channels, clockSyncs, link } = await setup();
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'connected');
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
    // Clock sync: confirmed (carried out): our clock hears of it, and the time labels the centre gets from
    // then on are in its time — here an hour ahead of ours.
    const ahead = new Date(Date.now() + 3_600_000);
    expect((await centre.ask(COMMANDS.control, { type: 90, objects: [{ type: 90, clock: timeLabelOf(ahead, 'Asia/Shanghai') }] })).command).toBe(
      COMMANDS.confirm,
    );
    expect(clockSyncs).toHaveLength(1);
    expect(Math.abs(clockSyncs[0]!.getTime() - ahead.getTime())).toBeLessThan(1000);
    const clock = decoded(await ask(88, { reserved: 0 }))?.objects[0] as { clock: Parameters<typeof dateOf>[0] };
    expect(Math.abs(dateOf(clock.clock, 'Asia/Shanghai')!.getTime() - (Date.now() + 3_600_000))).toBeLessThan(2000);
    expect(link.picture().clockOffsetMs).toBeGreaterThan(3_598_000);
    // Initialising the transmitter remotely: refused.
    expect((await centre.ask(COMMANDS.control, { type: 89, objects: [{ type: 89, reserved: 0 }] })).command).toBe(COMMANDS.deny);
  });
});

describe('CentreLink: what could stop the link does not', () => {
  afterEach(() => vi.useRealTimers());

  it('a clock before 2000 (no real-time clock, before NTP): frames go out labelled 2000-01-01, not refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('1970-01-02T00:00:00Z'));
    const { centre } = await setup();
    await waitFor(() => dataTypes(centre).includes(21), 10_000, 'the status on connect');
    const status = centre.units().find((u) => u.unit.type === 21)!.unit.objects[0] as { time: { year: number; month: number; day: number } };
    expect(status.time).toMatchObject({ year: 2000, month: 1, day: 1 });
  });

  it('a record that cannot be encoded is said and passed over; the next one goes', async () => {
    const { centre, box, queue, alarm } = await setup();
    await waitFor(() => dataTypes(centre).includes(28), 10_000, 'connected');
    // A record whose time no label can carry (year 2400), as a corrupted or future row would be.
    const bad = {
      v: 1,
      kind: 'channel',
      device: 'kitchen-gas',
      channel: 'lel',
      state: 'alarm',
      test: false,
      value: 30,
      reset: false,
      at: Date.UTC(2400, 0, 1),
    };
    box.database
      .prepare("INSERT INTO receiver_queue (receiver, priority, topic, id, seq, created, payload, typed) VALUES ('centre', 0, 'alarm', 'bad', 1, 0, ?, 1)")
      .run(Buffer.from(JSON.stringify(bad)));
    alarm('good', 'alarm', 31);
    await waitFor(
      () => centre.units().some((u) => u.unit.type === 3 && (u.unit.objects[0] as { value: number }).value === 310),
      10_000,
      'the good one at the centre',
    );
    await waitFor(() => queue.size === 0, 10_000, 'the queue empty');
  });
});

describe('CentreLink: inspection (查岗) and the operation log', () => {
  const inspect = (centre: SimCentre, minutes = 5) => centre.ask(COMMANDS.control, { type: 91, objects: [{ type: 91, timeoutMinutes: minutes }] });

  it('person (the default): confirmed and shown on the box; the answer goes only when a person gives it, once', async () => {
    const { centre, link } = await setup();
    await waitFor(() => dataTypes(centre).includes(28), 10_000, 'connected');
    expect(link.answerInspection()).toEqual({ ok: false, reason: 'no inspection from the monitoring centre is waiting' });
    expect((await inspect(centre)).command).toBe(COMMANDS.confirm);
    const waiting = link.picture().inspection!;
    expect(Date.parse(waiting.deadline) - Date.parse(waiting.askedAt)).toBe(5 * 60_000);
    await sleep(500);
    expect(dataTypes(centre)).not.toContain(24); // nobody answered: the centre is not told someone is there
    expect(link.answerInspection()).toEqual({ ok: true });
    await waitFor(() => dataTypes(centre).includes(24), 10_000, 'the answer at the centre');
    expect(centre.units().find((u) => u.unit.type === 24)?.unit.objects[0]).toMatchObject({ type: 24, operation: 0b100000 });
    expect(link.picture().inspection).toBeNull();
    expect(link.answerInspection().ok).toBe(false);
  });

  it('auto answers at once; off denies', async () => {
    const auto = await setup({ inspection: 'auto' });
    await waitFor(() => dataTypes(auto.centre).includes(28), 10_000, 'connected');
    expect((await inspect(auto.centre)).command).toBe(COMMANDS.confirm);
    await waitFor(() => dataTypes(auto.centre).includes(24), 10_000, 'the answer');
    const off = await setup({ inspection: 'off' });
    await waitFor(() => dataTypes(off.centre).includes(28), 10_000, 'connected');
    expect((await inspect(off.centre)).command).toBe(COMMANDS.deny);
    expect(off.link.picture().inspection).toBeNull();
  });

  it('request 84: operations from the asked start time on, oldest first, kept across a restart', async () => {
    const dir = join(root, `d${++n}`);
    const first = await setup({ dir, inspection: 'auto' });
    await waitFor(() => dataTypes(first.centre).includes(28), 10_000, 'connected');
    first.alarm('r1', 'normal', 0, 'reset'); // a local reset on site
    first.silenced('s1');
    await waitFor(() => first.queue.size === 0, 10_000, 'both sent');
    await inspect(first.centre);
    await waitFor(() => dataTypes(first.centre).includes(24) && first.centre.units().filter((u) => u.unit.type === 24).length >= 3, 10_000, 'answered');
    const ops = first.operations.since(0, 10);
    expect(ops.map((o) => o.operation).sort()).toEqual([0b1, 0b10, 0b100000]);
    first.link.stop();
    first.box.close();
    // The box restarts: a new link on the same file, a new centre.
    const again = await setup({ dir });
    await waitFor(() => dataTypes(again.centre).includes(28), 10_000, 'connected');
    const ask84 = async (records: number, from: Date) => {
      const f = await again.centre.ask(COMMANDS.request, { type: 84, objects: [{ type: 84, records, from: timeLabelOf(from, 'Asia/Shanghai') }] });
      return again.centre.got.find((r) => r.dir === 'in' && r.serial === f.serial && r.command === COMMANDS.reply)?.unit?.objects ?? f.command;
    };
    const all = (await ask84(10, new Date('2020-01-01T00:00:00Z'))) as { operation: number }[];
    expect(all.map((o) => o.operation).sort()).toEqual([0b1, 0b10, 0b100000]);
    expect(((await ask84(1, new Date('2020-01-01T00:00:00Z'))) as unknown[]).length).toBe(1);
    // Nothing from an hour ahead on: denied.
    expect(await ask84(10, new Date(Date.now() + 3_600_000))).toBe(COMMANDS.deny);
  }, 20_000);
});

describe('CentreLink against a hostile centre (issue 22, item 8)', () => {
  it('a flood of inspections: answered a bounded number of times, one answer waiting at most, and an alarm still goes first', async () => {
    const { centre, alarm, link } = await setup({ inspection: 'auto' });
    await waitFor(() => link.picture().connected && dataTypes(centre).includes(28), 10_000, 'connected');
    const FLOOD = 3000;
    let peak = 0;
    for (let i = 0; i < FLOOD; i++) {
      centre.ask(COMMANDS.control, { type: 91, objects: [{ type: 91, timeoutMinutes: 5 }] }, 30_000).catch(() => undefined);
      peak = Math.max(peak, link.waitingLocal);
    }
    alarm('a1', 'alarm', 26.4);
    await waitFor(() => dataTypes(centre).includes(2), 15_000, 'the alarm at the centre');
    const types = dataTypes(centre);
    const before = types.slice(0, types.indexOf(2));
    // Before the alarm: the connect's status and clock, and at most one inspection answer.
    expect(before.filter((t) => t === 24).length).toBeLessThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(3);
    expect(link.waitingLocal).toBeLessThanOrEqual(3);
    await waitFor(() => link.pressure.unanswered + 20 >= FLOOD / 2, 15_000, 'the requests read');
    expect(link.pressure.unanswered).toBeGreaterThan(0);
  }, 30_000);

  it('a centre that sends requests and never reads: what waits to be sent stays bounded', async () => {
    const { createServer } = await import('node:net');
    const request = statusRequest(1);
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
    await waitFor(
      () => {
        peak = Math.max(peak, link.pressure.unsentBytes);
        return sent >= 20_000;
      },
      20_000,
      '20 000 requests sent at the box',
    );
    await sleep(500);
    peak = Math.max(peak, link.pressure.unsentBytes);
    expect(peak).toBeLessThanOrEqual(64 * 1024 + 1024);
    // Requests beyond the answer rate go unanswered, and the socket then rests: of the 20 000 sent, the box
    // read only a few thousand (TCP held the rest back at the centre).
    expect(link.pressure.unanswered).toBeGreaterThan(0);
    expect(link.pressure.unanswered).toBeLessThan(15_000);
  }, 30_000);
});
