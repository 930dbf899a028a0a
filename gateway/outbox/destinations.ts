// A second receiver of what the outbox keeps, beside the MQTT platform: a fire-monitoring centre over
// GB/T 26875.3 (gateway/northbound/gbt26875). Each such destination has its own queue in the outbox's
// file, filled in the same transaction as the outbox row: the two receivers get everything once and in
// order, each at its own pace (a centre down for a day does not hold back the platform, nor the other
// way round), and nothing committed is lost to either across kill -9. A destination's row is deleted
// when that destination has it; the outbox's own rows go on the broker's PUBACK as before.

import type Database from 'better-sqlite3';
import { PRIORITY, type OutTopic } from './message.js';

export interface QueuedMessage {
  rowid: number;
  topic: OutTopic;
  id: string;
  seq: number;
  /** The message as the platform gets it (contract JSON): the destination maps it to its own protocol. */
  payload: Buffer;
  created: number;
}

function createDestinationSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS destination_queue (
      rowid INTEGER PRIMARY KEY, destination TEXT NOT NULL, priority INTEGER NOT NULL, topic TEXT NOT NULL,
      id TEXT NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT NULL, payload BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS destination_order ON destination_queue (destination, priority, rowid);
  `);
}

export class DestinationQueue {
  private readonly stmts;

  constructor(
    db: Database.Database,
    readonly name: string,
    /** The topics this destination takes (the others are never queued for it). */
    readonly topics: ReadonlySet<OutTopic>,
  ) {
    createDestinationSchema(db);
    this.stmts = {
      insert: db.prepare('INSERT INTO destination_queue (destination, priority, topic, id, seq, created, payload) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      next: db.prepare('SELECT rowid, topic, id, seq, created, payload FROM destination_queue WHERE destination = ? ORDER BY priority, rowid LIMIT ?'),
      delete: db.prepare('DELETE FROM destination_queue WHERE destination = ? AND rowid IN (SELECT value FROM json_each(?))'),
      count: db.prepare('SELECT COUNT(*) FROM destination_queue WHERE destination = ?').pluck(),
    };
  }

  /** Called by the outbox inside its insert transaction. */
  enqueue(topic: OutTopic, id: string, seq: number, payload: Buffer, created: number): void {
    if (!this.topics.has(topic)) return;
    this.stmts.insert.run(this.name, PRIORITY[topic], topic, id, seq, created, payload);
  }

  /** Rows the destination has, not yet deleted: deletes are batched (one fsync per batch, not per row). */
  private readonly gone = new Set<number>();
  private flushTimer: NodeJS.Timeout | undefined;

  /** The oldest messages of the most urgent topic first (alarms before events); rows already had are skipped. */
  next(limit: number): QueuedMessage[] {
    const rows = this.stmts.next.all(this.name, limit + this.gone.size) as QueuedMessage[];
    return rows.filter((r) => !this.gone.has(r.rowid)).slice(0, limit);
  }

  /**
   * The destination has it (confirmed, or it is nothing the destination takes): it goes, with the next
   * batch (at 64 rows or within 200 ms). A crash before that sends it again after the restart: at least
   * once, never lost, as with the outbox.
   */
  done(rowid: number): void {
    this.gone.add(rowid);
    if (this.gone.size >= 64) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), 200);
  }

  /** Deletes what the destination has; kept for the next try when the disk refuses. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.gone.size) return;
    try {
      this.stmts.delete.run(this.name, JSON.stringify([...this.gone]));
      this.gone.clear();
    } catch {
      this.flushTimer = setTimeout(() => this.flush(), 2000);
    }
  }

  /** Messages the destination does not have yet. */
  get size(): number {
    return Number(this.stmts.count.get(this.name)) - this.gone.size;
  }
}
