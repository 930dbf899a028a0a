// The receivers beside the platform (a fire-monitoring centre over GB/T 26875.3, any later one), each with
// its own queue in the outbox's file. A receiver keeps what it needs of each typed report (the gateway's
// event, never another receiver's bytes: a change to the platform's JSON cannot change what a centre
// gets), filled in the same transaction as the platform's row: every receiver gets everything once and in
// order, each at its own pace (a centre down for a day does not hold back the platform, nor the other way
// round), and nothing committed is lost to any across kill -9. A receiver's row is deleted when that
// receiver has it; the platform's rows go on the broker's PUBACK as before. Nothing is kept for a receiver
// that is not configured: a queue exists only once a receiver is added.

import type Database from 'better-sqlite3';
import type { GatewayEvent } from '../events.js';
import { PRIORITY, type OutTopic } from './message.js';

/** What the recorder reports, typed: the event, and whether it is a re-announcement of an open alarm. */
export interface Reported {
  event: GatewayEvent;
  reannounce: boolean;
}

/** A receiver's contract with the outbox: what it keeps of a report (plain JSON data), and how it takes over
 *  a row written before receivers kept typed records (the platform's JSON of that message). */
export interface Receiver<R> {
  readonly name: string;
  keep(r: Reported): R | undefined;
  upgrade(topic: OutTopic, message: unknown): R | undefined;
  /** Called inside the transaction that queued `record` (e.g. an operation log the receiver answers from). */
  kept?(record: R): void;
}

export interface Queued<R> {
  rowid: number;
  topic: OutTopic;
  id: string;
  seq: number;
  created: number;
  record: R;
}

interface Row {
  rowid: number;
  priority: number;
  topic: OutTopic;
  id: string;
  seq: number;
  created: number;
  payload: Buffer;
}

/** Rows read ahead beyond what is asked for. */
const READ_AHEAD = 32;

export class ReceiverQueue<R> {
  private readonly stmts;
  /** Rows the receiver has, not yet deleted: deletes are batched (one fsync per batch, not per row). */
  private readonly gone = new Set<number>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Bytes of the rows handed out, so what a delete frees is known without reading the rows again. */
  private readonly sizes = new Map<number, number>();
  /**
   * The next rows in queue order, read ahead a few at a time: a drain reads the table once per batch, not
   * once per row. `complete`: the table held no row after them when read. A new row that sorts before
   * the last of them (an alarm among events) empties it.
   */
  private ahead: Row[] = [];
  private complete = false;

  /** `released`: rows and bytes deleted (the outbox's caps count every receiver's rows). */
  constructor(
    db: Database.Database,
    private readonly receiver: Receiver<R>,
    private readonly released: (rows: number, bytes: number) => void = () => undefined,
  ) {
    // The table is the outbox file's (./schema.ts).
    this.stmts = {
      insert: db.prepare('INSERT INTO receiver_queue (receiver, priority, topic, id, seq, created, payload, typed) VALUES (?, ?, ?, ?, ?, ?, ?, 1)'),
      next: db.prepare('SELECT rowid, priority, topic, id, seq, created, payload FROM receiver_queue WHERE receiver = ? ORDER BY priority, rowid LIMIT ?'),
      delete: db.prepare('DELETE FROM receiver_queue WHERE receiver = ? AND rowid IN (SELECT value FROM json_each(?))'),
      count: db.prepare('SELECT COUNT(*) FROM receiver_queue WHERE receiver = ?').pluck(),
    };
    this.upgrade(db);
  }

  get name(): string {
    return this.receiver.name;
  }

  /** Called by the outbox inside its insert transaction; the bytes kept, or undefined when nothing is. */
  enqueue(topic: OutTopic, id: string, seq: number, report: Reported, created: number): number | undefined {
    const record = this.receiver.keep(report);
    if (record === undefined) return undefined;
    const payload = Buffer.from(JSON.stringify(record));
    const priority = PRIORITY[topic];
    this.stmts.insert.run(this.receiver.name, priority, topic, id, seq, created, payload);
    try {
      this.receiver.kept?.(record);
    } catch (err) {
      // A side record (the centre's operation log) must not cost the event its commit; a full disk rolls
      // the whole transaction back anyway and the outbox makes room and tries again.
      if ((err as { code?: string }).code === 'SQLITE_FULL') throw err;
    }
    // Read again when needed, never added here: the transaction may still roll back.
    const last = this.ahead.at(-1);
    if (last && priority < last.priority) this.ahead = [];
    this.complete = false;
    return payload.length;
  }

  /**
   * The oldest rows of the most urgent topic first (alarms before events); rows already had, and those in
   * `skip` (set aside by the receiver for now), are left out.
   */
  next(limit: number, skip: ReadonlySet<number> = new Set()): Queued<R>[] {
    const usable = () => this.ahead.reduce((n, r) => n + (skip.has(r.rowid) ? 0 : 1), 0);
    if (usable() < limit && !this.complete) {
      const want = limit + this.gone.size + skip.size + READ_AHEAD;
      const rows = this.stmts.next.all(this.receiver.name, want) as Row[];
      this.complete = rows.length < want;
      this.ahead = rows.filter((r) => !this.gone.has(r.rowid));
    }
    const out: Queued<R>[] = [];
    for (const r of this.ahead) {
      if (skip.has(r.rowid)) continue;
      this.sizes.set(r.rowid, r.payload.length);
      out.push({ rowid: r.rowid, topic: r.topic, id: r.id, seq: r.seq, created: r.created, record: JSON.parse(r.payload.toString('utf8')) as R });
      if (out.length === limit) break;
    }
    return out;
  }

  /**
   * The receiver has it (confirmed, or it is nothing the receiver sends): it goes with the next batch (at
   * 64 rows or within 200 ms). A crash before that sends it again after the restart: at least once, never
   * lost, as with the outbox.
   */
  done(rowid: number): void {
    this.gone.add(rowid);
    const i = this.ahead.findIndex((r) => r.rowid === rowid);
    if (i >= 0) this.ahead.splice(i, 1);
    if (this.gone.size >= 64) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), 200);
  }

  /** Deletes what the receiver has; kept for the next try when the disk refuses. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.gone.size) return;
    try {
      const deleted = this.stmts.delete.run(this.receiver.name, JSON.stringify([...this.gone])).changes;
      let bytes = 0;
      for (const rowid of this.gone) {
        bytes += this.sizes.get(rowid) ?? 0;
        this.sizes.delete(rowid);
      }
      this.gone.clear();
      this.released(deleted, bytes);
    } catch {
      this.flushTimer = setTimeout(() => this.flush(), 2000);
    }
  }

  /** Rows the receiver does not have yet. */
  get size(): number {
    return Number(this.stmts.count.get(this.receiver.name)) - this.gone.size;
  }

  /** Rows written before typed records (the platform's JSON) become the receiver's records, in place. */
  private upgrade(db: Database.Database): void {
    const old = db.prepare('SELECT rowid, topic, payload FROM receiver_queue WHERE receiver = ? AND typed = 0').all(this.receiver.name) as Row[];
    if (!old.length) return;
    const set = db.prepare('UPDATE receiver_queue SET payload = ?, typed = 1 WHERE rowid = ?');
    const drop = db.prepare('DELETE FROM receiver_queue WHERE rowid = ?');
    db.transaction(() => {
      for (const r of old) {
        let record: R | undefined;
        try {
          record = this.receiver.upgrade(r.topic, JSON.parse(r.payload.toString('utf8')));
        } catch {
          record = undefined;
        }
        if (record === undefined) drop.run(r.rowid);
        else set.run(Buffer.from(JSON.stringify(record)), r.rowid);
      }
    })();
  }
}
