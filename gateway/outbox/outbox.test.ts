// The outbox on real SQLite files: order, gap-free seq across restarts, caps that shed telemetry and
// never alarms, delete on acknowledge, clock correction, and a corrupt file moved aside.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox, type OutTopic, type Pending } from './outbox.js';

const root = mkdtempSync(join(tmpdir(), 'jx-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const meta = { boot: 'b1', mono: 0, unsynced: false };
const caps = { maxRows: 1000, maxBytes: 1_000_000, reserveRows: 100 };
function fresh(c = caps): { box: Outbox; dir: string } {
  const dir = join(root, `d${++n}`);
  return { box: new Outbox(dir, c), dir };
}
/** The broker's PUBACK for the message `id`, as the uplink gives it: the Pending that next() handed out. */
function ack(box: Outbox, id: string): void {
  const p = box.next(10_000, new Set()).find((m) => m.id === id);
  if (!p) throw new Error(`${id} is not waiting`);
  box.acknowledge(p);
}
const add = (box: Outbox, topic: OutTopic, id: string, size = 10) => box.add(topic, id, meta, ({ seq }) => ({ id, seq, pad: 'x'.repeat(size) }));

describe('outbox', () => {
  it('hands out alarms first, then events, heartbeats, telemetry; FIFO within each', () => {
    const { box } = fresh();
    add(box, 'telemetry', 't1');
    add(box, 'event', 'e1');
    add(box, 'heartbeat', 'h1');
    add(box, 'alarm', 'a1');
    add(box, 'telemetry', 't2');
    add(box, 'alarm', 'a2');
    expect(box.next(10, new Set()).map((p) => p.id)).toEqual(['a1', 'a2', 'e1', 'h1', 't1', 't2']);
    expect(box.next(2, new Set(['a1'])).map((p) => p.id)).toEqual(['a2', 'e1']);
  });

  it('seq is one gap-free counter over alarm and event, persisted across a reopen; telemetry counts apart', () => {
    const { box, dir } = fresh();
    add(box, 'alarm', 'a1');
    add(box, 'event', 'e1');
    add(box, 'telemetry', 't1');
    add(box, 'alarm', 'a2');
    box.close();
    const again = new Outbox(dir, caps);
    add(again, 'event', 'e2');
    add(again, 'telemetry', 't2');
    const seqs = Object.fromEntries(again.next(10, new Set()).map((p) => [p.id, p.seq]));
    expect(seqs).toEqual({ a1: 1, a2: 3, e1: 2, e2: 4, t1: 1, t2: 2 });
    again.close();
  });

  it('deletes on acknowledge, and a message stays until then', () => {
    const { box } = fresh();
    add(box, 'alarm', 'a1');
    expect(box.backlog()).toEqual({ alarm: 1, event: 0, heartbeat: 0, telemetry: 0 });
    ack(box, 'a1');
    expect(box.backlog().alarm).toBe(0);
  });

  it('a row cap sheds the oldest telemetry and counts it; alarms and events are never shed', () => {
    const { box } = fresh({ maxRows: 20, maxBytes: 1_000_000, reserveRows: 5 });
    for (let i = 0; i < 30; i++) add(box, 'telemetry', `t${i}`);
    expect(box.backlog().telemetry).toBe(15); // 20 − 5 kept for alarms
    expect(box.shedRows).toBe(15);
    expect(box.next(1, new Set())[0]?.id).toBe('t15'); // the oldest went first
    for (let i = 0; i < 30; i++) add(box, 'alarm', `a${i}`);
    const b = box.backlog();
    expect(b.alarm).toBe(30); // past the cap: alarms are kept
    expect(b.telemetry).toBe(0);
  });

  it('a byte cap sheds telemetry the same way', () => {
    const { box } = fresh({ maxRows: 10_000, maxBytes: 5_000, reserveRows: 0 });
    for (let i = 0; i < 50; i++) add(box, 'telemetry', `t${i}`, 200);
    expect(box.backlog().telemetry).toBeLessThan(25);
    expect(box.shedBytes).toBeGreaterThan(0);
  });

  it('rewrites the time of messages recorded before the clock was good, from their monotonic time', () => {
    const { box } = fresh();
    box.add('alarm', 'a1', { boot: 'b1', mono: 1000, unsynced: true }, () => ({ at: '1970-01-01T00:00:01.000Z', clock: 'unsynced' }));
    box.add('alarm', 'a2', { boot: 'b0', mono: 1000, unsynced: true }, () => ({ at: '1970-01-01T00:00:01.000Z', clock: 'unsynced' }));
    expect(box.correctClock('b1', Date.parse('2026-11-30T10:00:10.000Z'), 11_000)).toBe(1);
    const [a1, a2] = box.next(2, new Set()).map((p) => JSON.parse(p.payload.toString()) as { at: string; clock: string });
    expect(a1).toEqual({ at: '2026-11-30T10:00:00.000Z', clock: 'synced' });
    expect(a2?.clock).toBe('unsynced'); // another boot: its monotonic clock means nothing now
  });

  it('a corrupt file is moved aside at boot and a fresh one started', () => {
    const dir = join(root, 'corrupt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'outbox.db'), Buffer.alloc(8192, 0x5a));
    const box = new Outbox(dir, caps);
    expect(box.movedAside).toMatch(/outbox\.db\.corrupt-/);
    expect(box.quickCheck()).toBe('ok');
    expect(readdirSync(dir).some((f) => f.startsWith('outbox.db.corrupt-'))).toBe(true);
    box.close();
  });

  it('telemetry and heartbeats wait in memory, after SQLite rows, and go to disk only when spilled', () => {
    const { box, dir } = fresh();
    box.addVolatile('telemetry', 'v1', meta, ({ seq }) => ({ seq }));
    box.addVolatile('heartbeat', 'h1', meta, ({ seq }) => ({ seq }));
    add(box, 'event', 'e1');
    expect(box.next(10, new Set()).map((p) => p.id)).toEqual(['e1', 'h1', 'v1']);
    ack(box, 'h1'); // from memory: no disk write
    expect(box.size).toBe(2);
    expect(box.spill(new Set())).toBe(1);
    box.close();
    const again = new Outbox(dir, caps);
    expect(again.next(10, new Set()).map((p) => [p.id, p.seq])).toEqual([
      ['e1', 1],
      ['v1', 1],
    ]);
    again.addVolatile('telemetry', 'v2', meta, ({ seq }) => ({ seq }));
    expect(again.next(10, new Set()).find((p) => p.id === 'v2')?.seq).toBe(2); // the counter went on
    again.close();
  });

  it('a message from memory spilled to disk while in flight is deleted by its PUBACK', () => {
    const { box } = fresh();
    box.addVolatile('telemetry', 'v1', meta, ({ seq }) => ({ seq }));
    const [v1] = box.next(1, new Set());
    expect(box.spill(new Set())).toBe(1); // everything, as when too many wait in memory
    box.acknowledge(v1 as Pending);
    box.flushAcks();
    expect(box.backlog().telemetry).toBe(0);
    expect(box.size).toBe(0);
  });

  it('a spill is one row per topic; its messages come back in order with their ids and seqs, after a reopen too', () => {
    const { box, dir } = fresh();
    for (let i = 1; i <= 5; i++) box.addVolatile('telemetry', `t${i}`, meta, ({ seq }) => ({ id: `t${i}`, seq }));
    box.addVolatile('heartbeat', 'h1', meta, ({ seq }) => ({ id: 'h1', seq }));
    add(box, 'alarm', 'a1');
    expect(box.spill(new Set())).toBe(6);
    const rows = (box as unknown as { db: { prepare(s: string): { all(): unknown[] } } }).db.prepare('SELECT topic, n FROM outbox ORDER BY rowid').all();
    expect(rows).toEqual([
      { topic: 'alarm', n: 1 },
      { topic: 'heartbeat', n: 1 },
      { topic: 'telemetry', n: 5 },
    ]);
    box.close();
    const again = new Outbox(dir, caps);
    const out = again.next(100, new Set());
    expect(out.map((p) => [p.id, p.seq])).toEqual([
      ['a1', 1],
      ['h1', 1],
      ['t1', 1],
      ['t2', 2],
      ['t3', 3],
      ['t4', 4],
      ['t5', 5],
    ]);
    for (const p of out.slice(2)) expect(JSON.parse(p.payload.toString())).toEqual({ id: p.id, seq: p.seq }); // each its own bytes
    expect(again.size).toBe(7);
    expect(again.backlog()).toEqual({ alarm: 1, event: 0, heartbeat: 1, telemetry: 5 });
    again.close();
  });

  it('a pack stays until its last message is acknowledged, and hands out only the others meanwhile', () => {
    const { box, dir } = fresh();
    for (let i = 1; i <= 4; i++) box.addVolatile('telemetry', `t${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set());
    const [t1, , t3] = box.next(10, new Set());
    box.acknowledge(t1 as Pending);
    box.acknowledge(t3 as Pending);
    expect(box.next(10, new Set()).map((p) => p.id)).toEqual(['t2', 't4']);
    expect(box.size).toBe(2);
    expect(box.backlog().telemetry).toBe(2);
    box.close(); // the pack is still on disk: after a crash or restart all of it is sent again (same ids)
    const again = new Outbox(dir, caps);
    expect(again.next(10, new Set()).map((p) => p.id)).toEqual(['t1', 't2', 't3', 't4']);
    for (const p of again.next(10, new Set())) again.acknowledge(p);
    again.flushAcks();
    expect(again.size).toBe(0);
    expect(again.backlog().telemetry).toBe(0);
    again.close();
  });

  it('a spill past the cap sheds exactly the oldest telemetry (on disk, then the oldest of the spill) and counts each message', () => {
    const { box } = fresh({ maxRows: 20, maxBytes: 1_000_000, reserveRows: 5 }); // room for 15 telemetry
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `a${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set());
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `b${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set()); // 20 > 15: the first pack loses its 5 oldest, and keeps its place
    expect(box.shedRows).toBe(5);
    const ids = (from: string, a: number, b: number) => Array.from({ length: b - a }, (_, i) => `${from}${a + i}`);
    expect(box.next(100, new Set()).map((p) => p.id)).toEqual([...ids('a', 5, 10), ...ids('b', 0, 10)]);
    expect(box.next(1, new Set())[0]?.seq).toBe(6); // a5 keeps its own seq
    for (let i = 0; i < 20; i++) box.addVolatile('telemetry', `c${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set()); // 20 on their own are past the cap: everything on disk goes, then c0–c4
    expect(box.shedRows).toBe(25);
    expect(box.next(100, new Set()).map((p) => p.id)).toEqual(ids('c', 5, 20));
    add(box, 'alarm', 'a1');
    expect(box.backlog()).toEqual({ alarm: 1, event: 0, heartbeat: 0, telemetry: 15 });
    expect(box.size).toBe(16);
  });

  it('a PUBACK for a message cut from a pack does not count: the pack goes only when the rest is acknowledged', () => {
    const { box } = fresh({ maxRows: 20, maxBytes: 1_000_000, reserveRows: 5 });
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `a${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set());
    const inFlight = box.next(10, new Set()); // all ten out...
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `b${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set()); // ...while a0–a4 are cut
    for (const p of inFlight.slice(0, 7)) box.acknowledge(p); // a0–a6: only a5 and a6 count
    box.flushAcks();
    expect(
      box
        .next(100, new Set())
        .map((p) => p.id)
        .slice(0, 4),
    ).toEqual(['a7', 'a8', 'a9', 'b0']);
    expect(box.backlog().telemetry).toBe(13);
    for (const p of inFlight.slice(7)) box.acknowledge(p);
    box.flushAcks();
    expect(box.backlog().telemetry).toBe(10);
    expect(box.next(100, new Set()).map((p) => p.id)).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
  });

  it('a byte cap trims a pack by bytes', () => {
    const { box } = fresh({ maxRows: 100_000, maxBytes: 10_000, reserveRows: 0 }); // telemetry may use 9 000 bytes
    for (let i = 0; i < 40; i++) box.addVolatile('telemetry', `a${i}`, meta, () => ({ pad: 'x'.repeat(190) })); // 200 bytes each
    box.spill(new Set());
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `b${i}`, meta, () => ({ pad: 'x'.repeat(190) }));
    box.spill(new Set()); // 10 000 > 9 000: 1 000 bytes, the five oldest, go
    expect(box.shedRows).toBe(5);
    expect(box.shedBytes).toBe(1000);
    expect(box.next(1, new Set())[0]?.id).toBe('a5');
    expect(box.backlog().telemetry).toBe(45);
  });

  it('corrects the time of each message of a pack from its own monotonic time', () => {
    const { box } = fresh();
    box.addVolatile('telemetry', 't1', { boot: 'b1', mono: 1000, unsynced: true }, () => ({ at: '1970-01-01T00:00:01.000Z', clock: 'unsynced' }));
    box.addVolatile('telemetry', 't2', { boot: 'b1', mono: 4000, unsynced: true }, () => ({ at: '1970-01-01T00:00:04.000Z', clock: 'unsynced' }));
    box.spill(new Set());
    expect(box.correctClock('b1', Date.parse('2026-11-30T10:00:10.000Z'), 11_000)).toBe(2);
    expect(box.next(10, new Set()).map((p) => JSON.parse(p.payload.toString()) as unknown)).toEqual([
      { at: '2026-11-30T10:00:00.000Z', clock: 'synced' },
      { at: '2026-11-30T10:00:03.000Z', clock: 'synced' },
    ]);
  });

  it('never gives a rowid twice: the PUBACK of a message shed in flight cannot delete a newer alarm', () => {
    const { box } = fresh({ maxRows: 1000, maxBytes: 1_000_000, reserveRows: 990 }); // room for 10 telemetry
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `t${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set());
    const inFlight = box.next(10, new Set()); // the pack, the newest row, is being published...
    for (let i = 0; i < 10; i++) box.addVolatile('telemetry', `u${i}`, meta, ({ seq }) => ({ seq }));
    box.spill(new Set()); // ...and shed meanwhile to make room
    box.flushAcks();
    const sql = (box as unknown as { db: { prepare(s: string): { run(): unknown } } }).db;
    sql.prepare("DELETE FROM outbox WHERE topic = 'telemetry'").run(); // the newest row gone too
    add(box, 'alarm', 'a1');
    for (const p of inFlight) box.acknowledge(p); // their PUBACKs arrive
    box.flushAcks();
    expect(box.next(10, new Set()).map((p) => p.id)).toEqual(['a1']);
  });

  it('opens a file from before packs and keeps its rows', () => {
    const dir = join(root, 'old-format');
    mkdirSync(dir, { recursive: true });
    const old = new Database(join(dir, 'outbox.db'));
    old.exec(`CREATE TABLE outbox (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, topic TEXT NOT NULL, priority INTEGER NOT NULL,
      seq INTEGER NOT NULL, payload BLOB NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL, boot TEXT NOT NULL, mono REAL NOT NULL, unsynced INTEGER NOT NULL);
      INSERT INTO outbox VALUES (1, 'e1', 'event', 1, 7, X'7B7D', 2, 0, 'b', 0, 0);`);
    old.close();
    const box = new Outbox(dir, caps);
    expect(box.next(10, new Set()).map((p) => [p.id, p.seq, p.pack])).toEqual([['e1', 7, 0]]);
    const schema = (box as unknown as { db: { prepare(s: string): { pluck(): { get(): unknown } } } }).db
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'outbox'")
      .pluck()
      .get();
    expect(schema).toMatch(/parts TEXT/);
    expect(schema).not.toMatch(/UNIQUE/);
    box.addVolatile('telemetry', 't1', meta, ({ seq }) => ({ seq }));
    box.spill(new Set());
    expect(box.size).toBe(2);
    box.close();
  });

  it('deletes after PUBACK are batched and never hand a deleted row out again', () => {
    const { box } = fresh();
    for (let i = 0; i < 5; i++) add(box, 'alarm', `a${i}`);
    const [a0, a1] = box.next(2, new Set());
    box.acknowledge(a0 as Pending);
    box.acknowledge(a1 as Pending);
    expect(box.next(10, new Set()).map((p) => p.id)).toEqual(['a2', 'a3', 'a4']);
    expect(box.size).toBe(3);
    box.flushAcks();
    expect(box.backlog().alarm).toBe(3);
  });

  it('a full disk (SQLITE_FULL) sheds telemetry to make room and keeps the alarm', () => {
    const { box } = fresh({ maxRows: 1_000_000, maxBytes: 1e12, reserveRows: 0 });
    for (let i = 0; i < 400; i++) add(box, 'telemetry', `t${i}`, 400);
    // The file may not grow any more: the next commit hits SQLITE_FULL.
    (box as unknown as { db: { pragma(s: string): unknown } }).db.pragma(
      `max_page_count = ${(box as unknown as { db: { pragma(s: string, o: object): number } }).db.pragma('page_count', { simple: true })}`,
    );
    let added = 0;
    for (let i = 0; i < 50; i++) if (box.add('alarm', `a${i}`, meta, () => ({ pad: 'y'.repeat(2000) }))) added++;
    expect(added).toBe(50);
    expect(box.backlog().alarm).toBe(50);
    expect(box.shedRows).toBeGreaterThan(0);
    expect(box.backlog().telemetry).toBeLessThan(400);
  });
});
