// The transmitter's operations (§8.2.1.9: reset, silence, inspection answered …) as a centre may ask for
// them (request 84: so many records from a start time), kept in the outbox's file (table
// `centre_operations`, ./gateway/outbox/schema.ts) so that a restart does not forget them. A reset or a
// silence is written in the transaction that queues it for the centre; an inspection answer when a
// person gives it.

import type Database from 'better-sqlite3';

/** Operations kept; older ones go. */
const KEEP = 256;

export interface Operation {
  operation: number;
  /** Wall-clock ms. */
  at: number;
}

export class OperationLog {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      insert: db.prepare('INSERT INTO centre_operations (at, operation) VALUES (?, ?)'),
      trim: db.prepare('DELETE FROM centre_operations WHERE rowid <= (SELECT rowid FROM centre_operations ORDER BY rowid DESC LIMIT 1 OFFSET ?)'),
      since: db.prepare('SELECT operation, at FROM centre_operations WHERE at >= ? ORDER BY at, rowid LIMIT ?'),
    };
  }

  add(op: Operation): void {
    this.stmts.insert.run(op.at, op.operation);
    this.stmts.trim.run(KEEP);
  }

  /** The first `limit` operations at or after `fromMs`, oldest first. */
  since(fromMs: number, limit: number): Operation[] {
    return this.stmts.since.all(fromMs, limit) as Operation[];
  }
}
