// The outbox's caps and shedding (docs/architecture.md invariant 3): rows and bytes are capped; telemetry is shed
// oldest-first when a cap or a full disk is hit, and counted; alarms and events are never shed, and a
// reserve of rows is kept free for them. The rows every other receiver keeps (a centre's queue) count
// towards the same caps: the file's size is what the SD card holds.
//
// The totals are kept in memory (counting the table on every insert is quadratic) and recounted from
// the table when a transaction rolls back. Shedding takes exactly what is needed: a pack bigger than
// that is trimmed in place (it keeps its place in the queue), and the acknowledgement bookkeeping is
// told which of its messages were cut.

import type Database from 'better-sqlite3';
import type { Acknowledgements } from './acks.js';
import { PRIORITY } from './message.js';
import type { Part } from './pack.js';

export interface OutboxCaps {
  maxRows: number;
  maxBytes: number;
  /** Rows kept free for alarms and events: telemetry may not use them. */
  reserveRows: number;
}

export class Caps {
  /** Messages and bytes in the table; a pack counts for all of its messages. */
  rows = 0;
  bytes = 0;
  /** Telemetry shed so far, persisted in the counters. */
  shedRows: number;
  shedBytes: number;
  private readonly stmts;

  /** `forgetPack`: a pack's row changed or went (the queue drops what it cached of it). */
  constructor(
    db: Database.Database,
    private readonly caps: OutboxCaps,
    private readonly acks: Acknowledgements,
    private readonly forgetPack: (rowid: number) => void,
  ) {
    this.stmts = {
      counter: db.prepare('SELECT value FROM counters WHERE name = ?').pluck(),
      setCounter: db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      totals: db.prepare(
        `SELECT (SELECT COALESCE(SUM(n), 0) FROM outbox) + (SELECT COUNT(*) FROM receiver_queue) AS rows,
           (SELECT COALESCE(SUM(bytes), 0) FROM outbox) + (SELECT COALESCE(SUM(length(payload)), 0) FROM receiver_queue) AS bytes`,
      ),
      oldestTelemetry: db.prepare(
        `SELECT rowid, bytes, n, parts IS NOT NULL AS isPack FROM outbox WHERE priority = ${PRIORITY.telemetry} ORDER BY rowid LIMIT 1`,
      ),
      deleteRow: db.prepare('DELETE FROM outbox WHERE rowid = ?'),
      pack: db.prepare('SELECT payload, parts FROM outbox WHERE rowid = ?'),
      trimPack: db.prepare(
        'UPDATE outbox SET id = @id, seq = @seq, mono = @mono, n = @n, bytes = @bytes, parts = @parts, payload = @payload WHERE rowid = @rowid',
      ),
    };
    this.recount();
    this.shedRows = Number(this.stmts.counter.get('shed_rows') ?? 0);
    this.shedBytes = Number(this.stmts.counter.get('shed_bytes') ?? 0);
  }

  /** From the table: after a rollback, the in-memory totals went with it. */
  recount(): void {
    const t = this.stmts.totals.get() as { rows: number; bytes: number };
    this.rows = t.rows;
    this.bytes = t.bytes;
  }

  /** How far `messages` more telemetry of `bytes` would pass the telemetry's share (the reserve and
   *  a tenth of the bytes are kept for alarms and events); ≤ 0 on both counts: they fit. */
  telemetryOverage(bytes: number, messages: number): { messages: number; bytes: number } {
    return { messages: this.rows + messages - (this.caps.maxRows - this.caps.reserveRows), bytes: this.bytes + bytes - this.caps.maxBytes * 0.9 };
  }

  /** Whether `messages` more telemetry of `bytes` fit, after shedding the oldest telemetry on disk if need be. */
  roomForTelemetry(bytes: number, messages = 1): boolean {
    const before = this.telemetryOverage(bytes, messages);
    if (before.messages <= 0 && before.bytes <= 0) return true;
    this.shedOldestTelemetry(before.messages, before.bytes);
    const after = this.telemetryOverage(bytes, messages);
    return after.messages <= 0 && after.bytes <= 0;
  }

  /** After an insert: over a cap, the oldest telemetry goes (only alarms and events left: they are kept). */
  enforce(): void {
    const messages = this.rows - this.caps.maxRows;
    const bytes = this.bytes - this.caps.maxBytes;
    if (messages > 0 || bytes > 0) this.shedOldestTelemetry(messages, bytes);
  }

  /**
   * Drops the oldest telemetry on disk until at least `messages` messages and `bytes` bytes went (or none
   * is left). A pack larger than what is needed is trimmed in place; its cut messages are remembered, so
   * a PUBACK for one of them does not count towards the pack. Returns how many messages went.
   */
  shedOldestTelemetry(messages: number, bytes = 0): number {
    let shedMessages = 0;
    let shedBytes = 0;
    while (shedMessages < messages || shedBytes < bytes) {
      const r = this.stmts.oldestTelemetry.get() as { rowid: number; bytes: number; n: number; isPack: 0 | 1 } | undefined;
      if (!r) break;
      const needMessages = messages - shedMessages;
      const needBytes = bytes - shedBytes;
      if (!r.isPack || r.n <= needMessages || r.bytes <= needBytes) {
        this.stmts.deleteRow.run(r.rowid);
        this.acks.forget(r.rowid);
        this.forgetPack(r.rowid);
        shedMessages += r.n;
        shedBytes += r.bytes;
        continue;
      }
      const row = this.stmts.pack.get(r.rowid) as { payload: Buffer; parts: string };
      const parts = JSON.parse(row.parts) as Part[];
      let k = 0;
      let cutBytes = 0;
      while (k < parts.length - 1 && (k < needMessages || cutBytes < needBytes)) cutBytes += (parts[k++] as Part)[2];
      const keep = parts.slice(k);
      const [id, seq, , mono] = keep[0] as Part;
      this.stmts.trimPack.run({
        rowid: r.rowid,
        id,
        seq,
        mono,
        n: keep.length,
        bytes: r.bytes - cutBytes,
        parts: JSON.stringify(keep),
        payload: row.payload.subarray(cutBytes),
      });
      this.forgetPack(r.rowid);
      this.acks.trim(
        r.rowid,
        r.n,
        keep.length,
        parts.slice(0, k).map(([cutId]) => cutId),
      );
      shedMessages += k;
      shedBytes += cutBytes;
    }
    this.rows -= shedMessages;
    this.bytes -= shedBytes;
    if (shedMessages) this.count(shedBytes, shedMessages);
    return shedMessages;
  }

  /** Counts telemetry shed (persisted: the heartbeat reports the totals since the first boot). */
  count(bytes: number, rows: number): void {
    this.shedRows += rows;
    this.shedBytes += bytes;
    this.stmts.setCounter.run('shed_rows', this.shedRows);
    this.stmts.setCounter.run('shed_bytes', this.shedBytes);
  }
}
