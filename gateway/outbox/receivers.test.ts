// Receivers beside the platform (a fire-monitoring centre) on real SQLite files: each keeps its own typed
// record of what it takes, committed in the outbox's transaction, in the outbox's order, until it has
// it, whatever the platform's acknowledgements do; across a reopen too. Nothing is kept for a receiver
// that is not there, and a file from before typed records is taken over.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type DatabaseType from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceEvent, GatewayEvent } from '../events.js';
import { Outbox, type OutTopic } from './outbox.js';
import type { Receiver, Reported } from './receivers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof DatabaseType;
const root = mkdtempSync(join(tmpdir(), 'jx-receivers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const meta = { boot: 'b1', mono: 0, unsynced: false };
const caps = { maxRows: 1000, maxBytes: 1_000_000, reserveRows: 100 };

const device = (id: string, state: 'online' | 'offline' = 'offline'): DeviceEvent => ({ type: 'device', id, device: 'gas', state, reason: 'test', at: 1 });
/** `event` null: a message that comes from no event (telemetry). */
const add = (box: Outbox, topic: OutTopic, id: string, event: GatewayEvent | null = device(id)) =>
  box.add(topic, id, meta, ({ seq }) => ({ id, seq, platform: 'json' }), event ? { event, reannounce: false } : undefined);

/** A receiver that keeps the id and state of device events going offline, and nothing else. */
const offline = (name = 'centre'): Receiver<{ id: string; state: string }> => ({
  name,
  keep: (r: Reported) => (r.event.type === 'device' && r.event.state === 'offline' ? { id: r.event.id, state: r.event.state } : undefined),
  upgrade: (_topic, message) => ({ id: (message as { id: string }).id, state: 'from the platform json' }),
});

describe('outbox receivers', () => {
  it('keep their own record of what they take, alarms first, each with its seq; nothing of what they do not take', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addReceiver(offline());
    add(box, 'event', 'e1');
    add(box, 'telemetry', 't1', null);
    add(box, 'alarm', 'a1');
    add(box, 'event', 'on', device('on', 'online'));
    add(box, 'event', 'e2');
    expect(centre.next(10).map((m) => [m.id, m.topic, m.seq])).toEqual([
      ['a1', 'alarm', 2],
      ['e1', 'event', 1],
      ['e2', 'event', 4],
    ]);
    expect(centre.next(1)[0]!.record).toEqual({ id: 'a1', state: 'offline' });
    expect(centre.size).toBe(3);
    // Rows the receiver set aside for now are skipped.
    expect(centre.next(2, new Set([centre.next(1)[0]!.rowid])).map((m) => m.id)).toEqual(['e1', 'e2']);
    box.close();
  });

  it('reads ahead, yet an alarm committed mid-drain goes before the events already read; a rolled-back row is never handed out', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addReceiver(offline());
    for (let i = 0; i < 10; i++) add(box, 'event', `e${i}`);
    const first = centre.next(1)[0]!;
    centre.done(first.rowid);
    add(box, 'alarm', 'a1');
    expect(centre.next(1)[0]!.id).toBe('a1');
    box.database.exec(`CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'no room'); END`);
    expect(() => add(box, 'alarm', 'boom')).toThrow(/no room/);
    expect(centre.next(20).map((m) => m.id)).toEqual(['a1', ...Array.from({ length: 9 }, (_, i) => `e${i + 1}`)]);
    box.close();
  });

  it('a row had is never handed out again, across the batched deletes', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addReceiver(offline());
    for (let i = 0; i < 300; i++) add(box, 'event', `e${i}`);
    const seen: string[] = [];
    for (let m = centre.next(1)[0]; m; m = centre.next(1)[0]) {
      seen.push(m.id);
      centre.done(m.rowid);
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => `e${i}`));
    box.close();
  });

  it('each receiver at its own pace: the platform acknowledging does not take the centre’s copy, nor the other way round', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addReceiver(offline());
    add(box, 'alarm', 'a1');
    add(box, 'alarm', 'a2');
    const p = box.next(10, new Set()).find((m) => m.id === 'a1')!;
    box.acknowledge(p);
    box.flushAcks();
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a2']);
    expect(centre.next(10).map((m) => m.id)).toEqual(['a1', 'a2']);
    centre.done(centre.next(1)[0]!.rowid);
    expect(centre.next(10).map((m) => m.id)).toEqual(['a2']);
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a2']);
    box.close();
  });

  it('one transaction: when a receiver cannot take a message, the outbox does not have it either', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    box.addReceiver(offline());
    box.database.exec(`CREATE TRIGGER refuse BEFORE INSERT ON receiver_queue WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'no room'); END`);
    add(box, 'alarm', 'a1');
    expect(() => add(box, 'alarm', 'boom')).toThrow(/no room/);
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a1']);
    // The seq counter went back with it: the next alarm has seq 2, no gap.
    add(box, 'alarm', 'a2');
    expect(box.next(10, new Set()).map((m) => m.seq)).toEqual([1, 2]);
    box.close();
  });

  it('what a receiver has not confirmed is there again after a restart; receivers do not see each other’s rows; none is kept for no receiver', () => {
    const dir = join(root, `d${++n}`);
    const box = new Outbox(dir, caps);
    const centre = box.addReceiver(offline());
    const other = box.addReceiver(offline('second-centre'));
    add(box, 'alarm', 'a1');
    add(box, 'event', 'e1');
    centre.done(centre.next(1)[0]!.rowid);
    box.close();
    const again = new Outbox(dir, caps);
    expect(
      again
        .addReceiver(offline())
        .next(10)
        .map((m) => m.id),
    ).toEqual(['e1']);
    expect(
      again
        .addReceiver(offline('second-centre'))
        .next(10)
        .map((m) => m.id),
    ).toEqual(['a1', 'e1']);
    expect(other.name).toBe('second-centre');
    // A box with no receiver keeps no receiver rows for what it commits.
    const before = again.database.prepare('SELECT count(*) FROM receiver_queue').pluck().get();
    again.close();
    const plain = new Outbox(dir, caps);
    add(plain, 'alarm', 'a2');
    expect(plain.database.prepare('SELECT count(*) FROM receiver_queue').pluck().get()).toBe(before);
    plain.close();
  });

  it('what receivers keep counts towards the outbox caps; what they no longer need is freed; a receiver dropped from the config leaves nothing', () => {
    const dir = join(root, `d${++n}`);
    const box = new Outbox(dir, { maxRows: 1000, maxBytes: 10_000_000, reserveRows: 100 });
    const centre = box.addReceiver(offline());
    for (let i = 0; i < 450; i++) add(box, 'event', `e${i}`);
    // 450 platform rows + 450 centre rows: the telemetry's share (900) is full, so telemetry is refused.
    expect(add(box, 'telemetry', 't1', null)).toBe(false);
    for (const m of centre.next(450)) centre.done(m.rowid);
    centre.flush();
    expect(add(box, 'telemetry', 't2', null)).toBe(true);
    add(box, 'event', 'kept-for-the-centre');
    box.close();
    // The centre is gone from the config: its rows go, and say how many.
    const again = new Outbox(dir, caps);
    expect(again.retireOtherReceivers()).toBe(1);
    expect(again.database.prepare('SELECT count(*) FROM receiver_queue').pluck().get()).toBe(0);
    again.close();
  });

  it('without an uplink the platform keeps nothing: the seq still counts, the centre keeps its own; rows left from an uplink taken out go', () => {
    const dir = join(root, `d${++n}`);
    const before = new Outbox(dir, caps);
    add(before, 'alarm', 'a-while-the-uplink-was-there');
    add(before, 'event', 'e-while-the-uplink-was-there');
    before.close();
    const box = new Outbox(dir, caps, { platform: false });
    const centre = box.addReceiver(offline());
    expect(box.retireOtherReceivers()).toBe(2);
    expect(add(box, 'event', 'e1')).toBe(true);
    expect(add(box, 'alarm', 'a1')).toBe(true);
    expect(box.database.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
    expect(box.backlog()).toEqual({ alarm: 0, event: 0, heartbeat: 0, telemetry: 0 });
    // The centre's records go on with the one seq (3, 4: after the two made while the uplink was there).
    expect(centre.next(10).map((m) => [m.id, m.seq])).toEqual([
      ['a1', 4],
      ['e1', 3],
    ]);
    box.close();
  });

  it('a side record that fails (the operation log) does not cost the event its commit', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addReceiver({
      ...offline(),
      kept: () => {
        throw new Error('no such table: centre_operations');
      },
    });
    add(box, 'alarm', 'a1');
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a1']);
    expect(centre.next(10).map((m) => m.id)).toEqual(['a1']);
    box.close();
  });

  it('takes over a file from before typed records: the platform JSON in the old table becomes the receiver’s record', () => {
    const dir = join(root, `d${++n}`);
    mkdirSync(dir);
    const old = new Database(join(dir, 'outbox.db'));
    old.exec(`CREATE TABLE destination_queue (
      rowid INTEGER PRIMARY KEY, destination TEXT NOT NULL, priority INTEGER NOT NULL, topic TEXT NOT NULL,
      id TEXT NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT NULL, payload BLOB NOT NULL)`);
    const row = old.prepare('INSERT INTO destination_queue (destination, priority, topic, id, seq, created, payload) VALUES (?, 0, ?, ?, ?, 0, ?)');
    row.run('centre', 'alarm', 'old-1', 7, Buffer.from(JSON.stringify({ id: 'old-1' })));
    row.run('centre', 'alarm', 'old-2', 8, Buffer.from('not json'));
    old.close();
    const box = new Outbox(dir, caps);
    const centre = box.addReceiver(offline());
    expect(centre.next(10).map((m) => [m.id, m.seq, m.record])).toEqual([['old-1', 7, { id: 'old-1', state: 'from the platform json' }]]);
    box.close();
  });
});
