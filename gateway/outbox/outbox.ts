// The outbox: every alarm, event and command result is committed to SQLite before it is published and
// deleted only after the broker's PUBACK (docs/architecture.md invariant 1). Power loss, kill -9, broker outage,
// reboot: nothing committed is lost, and a resend keeps its id. (Telemetry and heartbeats: see below.)
//
// - Order: alarm topic first, then events, heartbeats, telemetry; FIFO within each (invariant 2).
// - `seq`: one gap-free counter over alarm + event, assigned in the same transaction as the insert, so
//   a platform detects a lost message by a gap; telemetry, heartbeat and results count on their own.
// - Caps: rows and bytes. Telemetry is shed oldest-first when a cap or a full disk is hit, and counted;
//   alarms and events are never shed (they may use the reserve kept free for them) (invariant 3):
//   caps.ts. What the broker acknowledged and which rows may go: acks.ts.
// - Durability: synchronous=FULL (WAL with NORMAL can roll back the last commits on power loss).
//   WAL size is capped; free pages are returned with incremental vacuum.
// - SD cards wear out: telemetry and heartbeats first wait in memory (`addVolatile`) and are published
//   from there; only what cannot go out soon (link down, no PUBACK) is spilled to SQLite, in one batch.
//   At steady state with the link up the only disk writes are events. Deletes after PUBACK are batched.
// - A spill is one row per topic (a "pack": the payloads end to end, and a list of each one's id, seq,
//   length and monotonic time). An outage's backlog is mostly telemetry; draining it then reads and
//   deletes one row per few hundred messages instead of one each (docs/architecture.md invariant 1 holds: the pack
//   is deleted when its last message is acknowledged; a crash before that resends all of it, same ids).

import type Database from 'better-sqlite3';
import { openSqliteFile } from '../storage/sqlite-file.js';
import { Acknowledgements } from './acks.js';
import { Caps, type OutboxCaps } from './caps.js';
import { ReceiverQueue, type Receiver, type Reported } from './receivers.js';
import { PRIORITY, type Meta, type OutTopic, type Pending } from './message.js';
import { unpack, type Part } from './pack.js';
import { createSchema } from './schema.js';

export type { OutTopic, Pending } from './message.js';

const EMPTY = Buffer.alloc(0);

const COUNTER: Record<OutTopic, string> = { alarm: 'event', event: 'event', heartbeat: 'heartbeat', telemetry: 'telemetry', 'cmd/result': 'result' };

export interface BuildContext {
  seq: number;
}

export class Outbox {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly acks = new Acknowledgements();
  private readonly caps: Caps;
  /** Telemetry and heartbeats not yet on disk, with their seq from the counters below. */
  private readonly volatile = new Map<string, Pending & { meta: Meta }>();
  private readonly volatileSeq = new Map<string, number>();
  /** The messages of the packs read last (rowids are never reused: a cached rowid is that row). */
  private readonly packs = new Map<number, Pending[]>();
  /**
   * Rowids are given here, never twice in a process: deletes go by rowid, and a PUBACK can come for a
   * row that was shed meanwhile; had SQLite reused its rowid (max + 1 after the newest row went) for a
   * newer alarm, that alarm would be deleted unsent. AUTOINCREMENT would do the same at the cost of a
   * page write per commit; across a restart nothing is in flight, so memory is enough.
   */
  private lastRowid: number;
  /** Receivers beside the platform (a fire-monitoring centre), each with its own queue: receivers.ts. */
  private readonly receivers: ReceiverQueue<unknown>[] = [];
  static readonly MAX_VOLATILE = 500;
  readonly movedAside: string | undefined;

  /** The file's handle, for the few tables that live beside the queue (the commands' answers). */
  get database(): Database.Database {
    return this.db;
  }

  /** Telemetry shed since the first boot (messages, bytes). */
  get shedRows(): number {
    return this.caps.shedRows;
  }

  get shedBytes(): number {
    return this.caps.shedBytes;
  }

  /** Why the last delete failed, while deletes fail. */
  get deleteError(): string | undefined {
    return this.acks.deleteError;
  }

  /** Whether the platform is a receiver (an uplink is configured): without one nothing is kept for it. */
  private readonly platform: boolean;

  /**
   * `dataDir` null: in memory (the data directory is unusable); nothing survives a restart. `platform`
   * false (no uplink in the config): the platform's queue keeps nothing; the seq still counts, and the
   * other receivers keep theirs.
   */
  constructor(dataDir: string | null, caps: OutboxCaps, options: { platform?: boolean } = {}) {
    this.platform = options.platform ?? true;
    const opened = openSqliteFile(dataDir, 'outbox.db');
    this.db = opened.db;
    this.movedAside = opened.movedAside;
    createSchema(this.db);
    this.stmts = {
      next: this.db.prepare('SELECT value FROM counters WHERE name = ?').pluck(),
      setCounter: this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      insert: this.db.prepare(
        'INSERT INTO outbox (rowid, id, topic, priority, seq, payload, bytes, created, boot, mono, unsynced, n, parts) VALUES (@rowid, @id, @topic, @priority, @seq, @payload, @bytes, @created, @boot, @mono, @unsynced, @n, @parts)',
      ),
      exists: this.db.prepare('SELECT 1 FROM outbox WHERE rowid = ?').pluck(),
      deleteRowids: this.db.prepare('DELETE FROM outbox WHERE rowid IN (SELECT value FROM json_each(?)) RETURNING bytes, n').raw(true),
      backlog: this.db.prepare('SELECT topic, SUM(n) AS n FROM outbox GROUP BY topic'),
      // Arrays, not objects: this is the hot read of a backlog drain. No LIMIT: iterated lazily, and a
      // pack yields many messages; a pack's payload and parts are read once into `packs` (statement `pack`).
      nextRows: this.db
        .prepare('SELECT rowid, id, topic, seq, n, parts IS NOT NULL, CASE WHEN parts IS NULL THEN payload END FROM outbox ORDER BY priority, rowid')
        .raw(true),
      pack: this.db.prepare('SELECT payload, parts FROM outbox WHERE rowid = ?'),
    };
    this.lastRowid = Number(this.db.prepare('SELECT COALESCE(MAX(rowid), 0) FROM outbox').pluck().get());
    this.caps = new Caps(this.db, caps, this.acks, (rowid) => this.packs.delete(rowid));
    for (const c of ['telemetry', 'heartbeat']) this.volatileSeq.set(c, Number(this.stmts.next.get(c) ?? 0));
  }

  /**
   * Commits one message. `build` receives the seq and returns the payload object (JSON). Alarms and events
   * always go in; telemetry may be shed (returns false) when the caps leave no room for it.
   */
  add(topic: OutTopic, id: string, meta: Meta, build: (ctx: BuildContext) => unknown, report?: Reported): boolean {
    return this.addMany([{ topic, id, meta, build, ...(report ? { report } : {}) }]) > 0;
  }

  /**
   * Commits several messages in one transaction (telemetry batches, an event burst). Returns how many. An
   * item with a `report` (the typed event it comes from) is offered to every receiver in the same
   * transaction.
   */
  addMany(items: { topic: OutTopic; id: string; meta: Meta; build: (ctx: BuildContext) => unknown; report?: Reported }[]): number {
    const run = () =>
      this.db.transaction(() => {
        let added = 0;
        // Counters are read once and written once per transaction.
        const counters = new Map<string, number>();
        for (const it of items) {
          const counter = COUNTER[it.topic];
          const seq = (counters.get(counter) ?? Number(this.stmts.next.get(counter) ?? 0)) + 1;
          const payload = this.platform ? Buffer.from(JSON.stringify(it.build({ seq }))) : EMPTY;
          if (it.topic === 'telemetry' && !this.caps.roomForTelemetry(payload.length)) {
            this.caps.count(payload.length, 1);
            continue;
          }
          counters.set(counter, seq);
          if (this.platform) {
            this.caps.rows++;
            this.caps.bytes += payload.length;
            this.insertRow(it.topic, it.id, seq, payload, it.meta, 1, null);
          }
          if (it.report)
            for (const r of this.receivers) {
              const kept = r.enqueue(it.topic, it.id, seq, it.report, Date.now());
              if (kept === undefined) continue;
              this.caps.rows++;
              this.caps.bytes += kept;
            }
          added++;
        }
        for (const [name, value] of counters) this.stmts.setCounter.run(name, value);
        this.caps.enforce();
        return added;
      })();
    try {
      return run();
    } catch (err) {
      this.caps.recount(); // the transaction rolled back: the in-memory totals went with it
      if ((err as { code?: string }).code !== 'SQLITE_FULL') throw err;
      // The disk is full: the transaction rolled back. Make room by shedding telemetry, and try once more.
      const freed = this.caps.shedOldestTelemetry(Math.max(100, items.length * 4));
      if (freed === 0) throw err;
      this.db.pragma('incremental_vacuum');
      return run();
    }
  }

  /**
   * Deletes what is kept for receivers no longer configured (a centre removed from the config): nothing
   * is kept for a receiver that is not there. Call once the receivers are added; returns the rows gone.
   */
  retireOtherReceivers(): number {
    const names = this.receivers.map((r) => r.name);
    let gone = this.db.prepare('DELETE FROM receiver_queue WHERE receiver NOT IN (SELECT value FROM json_each(?))').run(JSON.stringify(names)).changes;
    // The uplink was taken out of the config: what waited for the platform has nobody to go to.
    if (!this.platform) gone += this.db.prepare('DELETE FROM outbox').run().changes;
    if (gone) {
      this.packs.clear();
      this.caps.recount();
    }
    return gone;
  }

  /** A receiver beside the platform, offered every report from now on; what it keeps stays until it has it. */
  addReceiver<R>(receiver: Receiver<R>): ReceiverQueue<R> {
    const q = new ReceiverQueue(this.db, receiver, (rows, bytes) => {
      this.caps.rows -= rows;
      this.caps.bytes -= bytes;
    });
    this.receivers.push(q as ReceiverQueue<unknown>);
    return q;
  }

  /** Inserts one row (a message, or a pack of `n` with its `parts`) under a rowid never given before. */
  private insertRow(topic: OutTopic, id: string, seq: number, payload: Buffer, meta: Meta, n: number, parts: string | null): number {
    const rowid = ++this.lastRowid;
    this.stmts.insert.run({
      rowid,
      id,
      topic,
      priority: PRIORITY[topic],
      seq,
      payload,
      bytes: payload.length,
      created: Date.now(),
      boot: meta.boot,
      mono: meta.mono,
      unsynced: meta.unsynced ? 1 : 0,
      n,
      parts,
    });
    return rowid;
  }

  /**
   * Telemetry or a heartbeat: kept in memory and published from there. Its seq comes from a counter of
   * its own (persisted when it is spilled). Spilled to SQLite when too many wait (link down).
   */
  addVolatile(topic: 'telemetry' | 'heartbeat', id: string, meta: Meta, build: (ctx: BuildContext) => unknown): void {
    const seq = (this.volatileSeq.get(topic) ?? 0) + 1;
    this.volatileSeq.set(topic, seq);
    this.volatile.set(id, { rowid: 0, id, topic, seq, payload: Buffer.from(JSON.stringify(build({ seq }))), pack: 0, meta });
    if (this.volatile.size > Outbox.MAX_VOLATILE) this.spill(new Set());
  }

  /**
   * Writes what waits in memory to SQLite, in one transaction (the link is down, or we are stopping):
   * one pack per topic. Returns how many messages were written.
   */
  spill(inFlight: { has(id: string): boolean }): number {
    const items = [...this.volatile.values()].filter((v) => !inFlight.has(v.id));
    if (!items.length) return 0;
    let n = 0;
    this.db.transaction(() => {
      // Their seq was given in memory: keep it, and move the persisted counters past it.
      for (const [topic, seq] of this.volatileSeq) this.stmts.setCounter.run(topic, seq);
      for (const topic of ['heartbeat', 'telemetry'] as const) {
        const group = items.filter((v) => v.topic === topic);
        for (const v of group) this.volatile.delete(v.id);
        let total = group.reduce((b, v) => b + v.payload.length, 0);
        if (topic === 'telemetry' && !this.caps.roomForTelemetry(total, group.length)) {
          // Oldest first: what was on disk went; now the oldest of this spill go, until the rest fits.
          let cutBytes = 0;
          let cut = 0;
          const fits = () => {
            const over = this.caps.telemetryOverage(total, group.length);
            return over.messages <= 0 && over.bytes <= 0;
          };
          while (group.length && !fits()) {
            const oldest = group.shift() as Pending;
            total -= oldest.payload.length;
            cutBytes += oldest.payload.length;
            cut++;
          }
          this.caps.count(cutBytes, cut);
        }
        if (!group.length) continue;
        const first = group[0] as Pending & { meta: Meta };
        const payload = Buffer.concat(group.map((v) => v.payload));
        const parts: Part[] = group.map((v) => [v.id, v.seq, v.payload.length, v.meta.mono]);
        const rowid = this.insertRow(
          topic,
          first.id,
          first.seq,
          payload,
          { ...first.meta, unsynced: group.some((v) => v.meta.unsynced) },
          group.length,
          JSON.stringify(parts),
        );
        // The same objects may be in flight (a spill of everything when too many wait): their PUBACK
        // must find the pack they are now in.
        for (const v of group) {
          v.rowid = rowid;
          v.pack = group.length;
        }
        this.caps.rows += group.length;
        this.caps.bytes += payload.length;
        n += group.length;
      }
    })();
    return n;
  }

  /** The next messages to publish, in order, skipping those in flight: SQLite's first (alarms lead),
   *  then what waits in memory (heartbeats before telemetry). */
  next(limit: number, inFlight: { has(id: string): boolean }): Pending[] {
    // Deleting the acknowledged rows first keeps the scan short (it would step over each of them).
    this.flushAcks();
    const out: Pending[] = [];
    const skip = (id: string) => inFlight.has(id) || this.acks.waitsForDelete(id);
    for (const [rowid, id, topic, seq, n, isPack, payload] of this.stmts.nextRows.iterate() as Iterable<
      [number, string, OutTopic, number, number, 0 | 1, Buffer | null]
    >) {
      if (this.acks.isUndeleted(rowid)) continue;
      if (!isPack) {
        if (skip(id)) continue;
        out.push({ rowid, id, topic, payload: payload as Buffer, seq, pack: 0 });
        if (out.length >= limit) return out;
        continue;
      }
      const acked = this.acks.ackedIn(rowid);
      for (const m of this.packMessages(rowid, topic, n)) {
        if (skip(m.id) || acked?.has(m.id)) continue;
        out.push(m);
        if (out.length >= limit) return out;
      }
    }
    for (const topic of ['heartbeat', 'telemetry']) {
      for (const v of this.volatile.values()) {
        if (v.topic !== topic || skip(v.id)) continue;
        out.push(v);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** A pack's messages, each a slice of the row's payload (no copies); the last few packs are kept. */
  private packMessages(rowid: number, topic: OutTopic, n: number): Pending[] {
    let messages = this.packs.get(rowid);
    if (messages) return messages;
    const row = this.stmts.pack.get(rowid) as { payload: Buffer; parts: string };
    messages = unpack(row.payload, row.parts).map(([[id, seq], payload]) => ({ rowid, id, topic, seq, pack: n, payload }));
    if (this.packs.size >= 4) this.packs.delete(this.packs.keys().next().value as number);
    this.packs.set(rowid, messages);
    return messages;
  }

  /** After the broker's PUBACK, for a message `next` handed out. A message from memory is simply
   *  forgotten; a row's delete is batched (flushAcks): losing it in a crash only means the message is
   *  sent again, with the same id. */
  acknowledge(p: Pick<Pending, 'id' | 'rowid' | 'pack' | 'topic'>): void {
    if (this.volatile.delete(p.id) || p.rowid === 0) return;
    this.acks.add(p.id, p);
    if (this.acks.pending >= 1024) this.flushAcks();
  }

  /** Acknowledged messages whose delete waits for the next flushAcks. */
  get pendingAcks(): number {
    return this.acks.pending;
  }

  flushAcks(): void {
    if (!this.acks.pending) return;
    const rowids = this.acks.take((rowid) => this.stmts.exists.get(rowid) !== undefined);
    for (const r of rowids) this.packs.delete(r);
    if (!rowids.length) return;
    // A delete lost in a power cut only means a resend with the same id: no fsync needed for it. A
    // delete that fails (the disk is full: a delete needs WAL pages too) is kept and tried again; it
    // never throws into the uplink, which calls this from its publishing loop.
    try {
      this.db.pragma('synchronous = NORMAL');
      try {
        // One statement for all of them (json_each), returning what each row weighed. A row shed while in
        // flight is simply not found.
        for (const [bytes, n] of this.stmts.deleteRowids.all(JSON.stringify(rowids)) as [number, number][]) {
          this.caps.rows -= n;
          this.caps.bytes -= bytes;
        }
      } finally {
        this.db.pragma('synchronous = FULL');
      }
      this.acks.deleted();
    } catch (err) {
      this.acks.failed(rowids, (err as Error).message);
    }
  }

  /** Messages waiting, all topics, on disk and in memory (cheap to ask often). */
  get size(): number {
    return Math.max(0, this.caps.rows - this.acks.acknowledgedInTable) + this.volatile.size;
  }

  backlog(): Record<'alarm' | 'event' | 'heartbeat' | 'telemetry', number> {
    this.flushAcks();
    const out = { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 };
    for (const v of this.volatile.values()) out[v.topic as 'heartbeat' | 'telemetry']++;
    for (const r of this.stmts.backlog.all() as { topic: string; n: number }[]) {
      const key = r.topic === 'cmd/result' ? 'event' : (r.topic as keyof typeof out);
      out[key] += r.n;
    }
    for (const { topic, n } of this.acks.ackedPacks()) out[topic as 'heartbeat' | 'telemetry'] -= n;
    return out;
  }

  /**
   * When the clock becomes good: rewrite `at` of the messages recorded before, from their monotonic time
   * (same boot only: the monotonic clock restarts with the process). Returns how many were corrected.
   */
  correctClock(boot: string, wallNow: number, monoNow: number): number {
    this.spill(new Set());
    this.packs.clear(); // their text changes
    const rows = this.db.prepare('SELECT rowid, payload, mono, parts FROM outbox WHERE unsynced = 1 AND boot = ?').all(boot) as {
      rowid: number;
      payload: Buffer;
      mono: number;
      parts: string | null;
    }[];
    const update = this.db.prepare('UPDATE outbox SET payload = ?, bytes = ?, parts = ?, unsynced = 0 WHERE rowid = ?');
    const corrected = (payload: Buffer, mono: number): Buffer => {
      const p = JSON.parse(payload.toString()) as Record<string, unknown>;
      p.at = new Date(wallNow - (monoNow - mono)).toISOString();
      p.clock = 'synced';
      return Buffer.from(JSON.stringify(p));
    };
    let n = 0;
    this.db.transaction(() => {
      for (const r of rows) {
        let buf: Buffer;
        let parts: string | null = null;
        if (r.parts === null) {
          buf = corrected(r.payload, r.mono);
          n++;
        } else {
          // A pack: each message from its own monotonic time; the lengths change with the text.
          const messages = unpack(r.payload, r.parts).map(([[id, seq, , mono], body]) => {
            const fixed = corrected(body, mono);
            return { part: [id, seq, fixed.length, mono] as Part, body: fixed };
          });
          buf = Buffer.concat(messages.map((m) => m.body));
          parts = JSON.stringify(messages.map((m) => m.part));
          n += messages.length;
        }
        this.caps.bytes += buf.length - r.payload.length;
        update.run(buf, buf.length, parts, r.rowid);
      }
    })();
    return n;
  }

  /** Returns free pages to the file system a little at a time (SD cards: no big rewrites). */
  vacuumSome(pages = 256): void {
    this.db.pragma(`incremental_vacuum(${pages})`);
  }

  quickCheck(): string {
    return this.db.pragma('quick_check', { simple: true }) as string;
  }

  /** Flushes the pending deletes and writes what waits in memory to disk, then closes. */
  close(): void {
    this.flushAcks();
    for (const r of this.receivers) r.flush();
    this.spill(new Set());
    this.db.close();
  }
}
