// The outbox: every message is committed to SQLite before it is published and deleted only after the
// broker's PUBACK (DESIGN.md invariant 1). Power loss, kill -9, broker outage, reboot: nothing committed
// is lost, and a resend keeps its id.
//
// - Order: alarm topic first, then events, heartbeats, telemetry; FIFO within each (invariant 2).
// - `seq`: one gap-free counter over alarm + event, assigned in the same transaction as the insert, so
//   a platform detects a lost message by a gap; telemetry, heartbeat and results count on their own.
// - Caps: rows and bytes. Telemetry is shed oldest-first when a cap or a full disk is hit, and counted;
//   alarms and events are never shed (they may use the reserve kept free for them) (invariant 3).
// - Durability: synchronous=FULL (WAL with NORMAL can roll back the last commits on power loss).
//   WAL size is capped; free pages are returned with incremental vacuum.
// - SD cards wear out: telemetry and heartbeats first wait in memory (`addVolatile`) and are published
//   from there; only what cannot go out soon (link down, no PUBACK) is spilled to SQLite, in one batch.
//   At steady state with the link up the only disk writes are events. Deletes after PUBACK are batched.

import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type OutTopic = 'alarm' | 'event' | 'heartbeat' | 'telemetry' | 'cmd/result';

/** Publishing order: lower first. */
export const PRIORITY: Record<OutTopic, number> = { alarm: 0, 'cmd/result': 1, event: 1, heartbeat: 2, telemetry: 3 };
const COUNTER: Record<OutTopic, string> = { alarm: 'event', event: 'event', heartbeat: 'heartbeat', telemetry: 'telemetry', 'cmd/result': 'result' };

export interface OutboxCaps {
  maxRows: number;
  maxBytes: number;
  /** Rows kept free for alarms and events: telemetry may not use them. */
  reserveRows: number;
}

export interface Pending {
  rowid: number;
  id: string;
  topic: OutTopic;
  payload: Buffer;
  seq: number;
}

export interface BuildContext {
  seq: number;
}

export class Outbox {
  private readonly db: Database.Database;
  private readonly stmts;
  shedRows = 0;
  shedBytes = 0;
  /** Rows and bytes in the outbox, kept in memory: counting the table on every insert is quadratic. */
  private rows = 0;
  private bytes = 0;
  /** Telemetry and heartbeats not yet on disk, with their seq from the counters below. */
  private readonly volatile = new Map<string, Pending & { meta: { boot: string; mono: number; unsynced: boolean } }>();
  private readonly volatileSeq = new Map<string, number>();
  /** Acknowledged ids whose delete is not committed yet, with their rowid. */
  private readonly toDelete = new Map<string, number>();
  static readonly MAX_VOLATILE = 500;
  readonly movedAside: string | undefined;

  constructor(
    dataDir: string,
    private readonly caps: OutboxCaps,
  ) {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'outbox.db');
    this.movedAside = moveAsideIfCorrupt(file);
    this.db = new Database(file);
    this.db.pragma('auto_vacuum = INCREMENTAL'); // before WAL: it decides the file format
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('journal_size_limit = 4194304'); // keep the WAL file at most 4 MB after checkpoints
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, topic TEXT NOT NULL, priority INTEGER NOT NULL,
        seq INTEGER NOT NULL, payload BLOB NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL,
        boot TEXT NOT NULL, mono REAL NOT NULL, unsynced INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS outbox_order ON outbox (priority, rowid);
      -- No index on id: every delete goes by rowid, and an index would cost a b-tree write per insert and
      -- per delete (measured: a quarter of the delete time). Ids are unique by construction (UUIDs).
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, answer TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.stmts = {
      next: this.db.prepare('SELECT value FROM counters WHERE name = ?').pluck(),
      setCounter: this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      insert: this.db.prepare(
        'INSERT INTO outbox (id, topic, priority, seq, payload, bytes, created, boot, mono, unsynced) VALUES (@id, @topic, @priority, @seq, @payload, @bytes, @created, @boot, @mono, @unsynced)',
      ),
      totals: this.db.prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(bytes), 0) AS bytes FROM outbox'),
      oldestTelemetry: this.db.prepare("SELECT rowid, bytes FROM outbox WHERE topic = 'telemetry' ORDER BY rowid LIMIT ?"),
      deleteRow: this.db.prepare('DELETE FROM outbox WHERE rowid = ?'),
      deleteRowids: this.db.prepare('DELETE FROM outbox WHERE rowid IN (SELECT value FROM json_each(?)) RETURNING bytes').pluck(),
      backlog: this.db.prepare('SELECT topic, COUNT(*) AS n FROM outbox GROUP BY topic'),
      // Arrays, not objects: this is the hot read of a backlog drain.
      nextRows: this.db.prepare('SELECT rowid, id, topic, payload, seq FROM outbox ORDER BY priority, rowid LIMIT ?').raw(true),
    };
    this.recount();
    for (const c of ['telemetry', 'heartbeat']) this.volatileSeq.set(c, Number(this.stmts.next.get(c) ?? 0));
    this.shedRows = Number(this.stmts.next.get('shed_rows') ?? 0);
    this.shedBytes = Number(this.stmts.next.get('shed_bytes') ?? 0);
  }

  /**
   * Commits one message. `build` receives the seq and returns the payload object (JSON). Alarms and events
   * always go in; telemetry may be shed (returns false) when the caps leave no room for it.
   */
  add(topic: OutTopic, id: string, meta: { boot: string; mono: number; unsynced: boolean }, build: (ctx: BuildContext) => unknown): boolean {
    return this.addMany([{ topic, id, meta, build }]) > 0;
  }

  /** Commits several messages in one transaction (telemetry batches, an event burst). Returns how many. */
  addMany(items: { topic: OutTopic; id: string; meta: { boot: string; mono: number; unsynced: boolean }; build: (ctx: BuildContext) => unknown }[]): number {
    const run = () =>
      this.db.transaction(() => {
        let added = 0;
        // Counters are read once and written once per transaction.
        const counters = new Map<string, number>();
        for (const it of items) {
          const counter = COUNTER[it.topic];
          const seq = (counters.get(counter) ?? Number(this.stmts.next.get(counter) ?? 0)) + 1;
          const payload = Buffer.from(JSON.stringify(it.build({ seq })));
          if (it.topic === 'telemetry' && !this.roomForTelemetry(payload.length)) {
            this.shed(payload.length, 1);
            continue;
          }
          counters.set(counter, seq);
          this.rows++;
          this.bytes += payload.length;
          this.stmts.insert.run({
            id: it.id,
            topic: it.topic,
            priority: PRIORITY[it.topic],
            seq,
            payload,
            bytes: payload.length,
            created: Date.now(),
            boot: it.meta.boot,
            mono: it.meta.mono,
            unsynced: it.meta.unsynced ? 1 : 0,
          });
          added++;
        }
        for (const [name, value] of counters) this.stmts.setCounter.run(name, value);
        this.enforceCaps();
        return added;
      })();
    try {
      return run();
    } catch (err) {
      this.recount(); // the transaction rolled back: the in-memory totals went with it
      if ((err as { code?: string }).code !== 'SQLITE_FULL') throw err;
      // The disk is full: the transaction rolled back. Make room by shedding telemetry, and try once more.
      const freed = this.shedOldestTelemetry(Math.max(100, items.length * 4));
      if (freed === 0) throw err;
      this.db.pragma('incremental_vacuum');
      return run();
    }
  }

  private recount(): void {
    const t = this.stmts.totals.get() as { rows: number; bytes: number };
    this.rows = t.rows;
    this.bytes = t.bytes;
  }

  private roomForTelemetry(bytes: number): boolean {
    if (this.rows + 1 <= this.caps.maxRows - this.caps.reserveRows && this.bytes + bytes <= this.caps.maxBytes * 0.9) return true;
    // Make room by dropping the oldest telemetry; if there is none, this one goes.
    return this.shedOldestTelemetry(1) > 0 && this.roomForTelemetry(bytes);
  }

  private enforceCaps(): void {
    for (;;) {
      if (this.rows <= this.caps.maxRows && this.bytes <= this.caps.maxBytes) return;
      if (this.shedOldestTelemetry(Math.max(1, this.rows - this.caps.maxRows)) === 0) return; // only alarms/events left: kept
    }
  }

  private shedOldestTelemetry(n: number): number {
    const rows = this.stmts.oldestTelemetry.all(n) as { rowid: number; bytes: number }[];
    let bytes = 0;
    for (const r of rows) {
      this.stmts.deleteRow.run(r.rowid);
      bytes += r.bytes;
    }
    this.rows -= rows.length;
    this.bytes -= bytes;
    if (rows.length) this.shed(bytes, rows.length);
    return rows.length;
  }

  private shed(bytes: number, rows: number): void {
    this.shedRows += rows;
    this.shedBytes += bytes;
    this.stmts.setCounter.run('shed_rows', this.shedRows);
    this.stmts.setCounter.run('shed_bytes', this.shedBytes);
  }

  /**
   * Telemetry or a heartbeat: kept in memory and published from there. Its seq comes from a counter of
   * its own (persisted when it is spilled). Spilled to SQLite when too many wait (link down).
   */
  addVolatile(topic: 'telemetry' | 'heartbeat', id: string, meta: { boot: string; mono: number; unsynced: boolean }, build: (ctx: BuildContext) => unknown): void {
    const seq = (this.volatileSeq.get(topic) ?? 0) + 1;
    this.volatileSeq.set(topic, seq);
    this.volatile.set(id, { rowid: 0, id, topic, seq, payload: Buffer.from(JSON.stringify(build({ seq }))), meta });
    if (this.volatile.size > Outbox.MAX_VOLATILE) this.spill(new Set());
  }

  /** Writes what waits in memory to SQLite, in one transaction (the link is down, or we are stopping). */
  spill(inFlight: ReadonlySet<string>): number {
    const items = [...this.volatile.values()].filter((v) => !inFlight.has(v.id));
    if (!items.length) return 0;
    let n = 0;
    this.db.transaction(() => {
      // Their seq was given in memory: keep it, and move the persisted counters past it.
      for (const [topic, seq] of this.volatileSeq) this.stmts.setCounter.run(topic, seq);
      for (const v of items) {
        this.volatile.delete(v.id);
        if (v.topic === 'telemetry' && !this.roomForTelemetry(v.payload.length)) {
          this.shed(v.payload.length, 1);
          continue;
        }
        const info = this.stmts.insert.run({ id: v.id, topic: v.topic, priority: PRIORITY[v.topic], seq: v.seq, payload: v.payload, bytes: v.payload.length, created: Date.now(), boot: v.meta.boot, mono: v.meta.mono, unsynced: v.meta.unsynced ? 1 : 0 });
        // The same object may be in flight (a spill of everything when too many wait): its PUBACK must
        // find the row it now has.
        v.rowid = Number(info.lastInsertRowid);
        this.rows++;
        this.bytes += v.payload.length;
        n++;
      }
    })();
    return n;
  }

  /** The next messages to publish, in order, skipping those in flight: SQLite's first (alarms lead),
   *  then what waits in memory (heartbeats before telemetry). */
  next(limit: number, inFlight: { has(id: string): boolean; readonly size: number }): Pending[] {
    // Deleting the acknowledged rows first keeps the scan short (it would step over each of them).
    this.flushAcks();
    const out: Pending[] = [];
    const skip = (id: string) => inFlight.has(id) || this.toDelete.has(id);
    for (const [rowid, id, topic, payload, seq] of this.stmts.nextRows.iterate(limit + inFlight.size + this.toDelete.size) as Iterable<[number, string, OutTopic, Buffer, number]>) {
      if (skip(id)) continue;
      out.push({ rowid, id, topic, payload, seq });
      if (out.length >= limit) return out;
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

  /** A command's answer, kept so a repeat of the same id is answered again, not executed twice. */
  rememberCommand(id: string, answer: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO commands (id, answer, at) VALUES (?, ?, ?)').run(id, JSON.stringify(answer), Date.now());
    // Keep the last 10 000.
    this.db.prepare('DELETE FROM commands WHERE id IN (SELECT id FROM commands ORDER BY at DESC LIMIT -1 OFFSET 10000)').run();
  }

  recallCommand(id: string): unknown {
    const row = this.db.prepare('SELECT answer FROM commands WHERE id = ?').pluck().get(id) as string | undefined;
    return row === undefined ? undefined : JSON.parse(row);
  }

  /** After the broker's PUBACK, for a message `next` handed out. A message from memory is simply
   *  forgotten; a row's delete is batched (flushAcks): losing it in a crash only means the message is
   *  sent again, with the same id. */
  acknowledge(p: Pick<Pending, 'id' | 'rowid'>): void {
    if (this.volatile.delete(p.id) || p.rowid === 0) return;
    this.toDelete.set(p.id, p.rowid);
    if (this.toDelete.size >= 1024) this.flushAcks();
  }

  /** Acknowledged rows whose delete waits for the next flushAcks. */
  get pendingAcks(): number {
    return this.toDelete.size;
  }

  flushAcks(): void {
    if (!this.toDelete.size) return;
    const rowids = [...this.toDelete.values()];
    this.toDelete.clear();
    // A delete lost in a power cut only means a resend with the same id: no fsync needed for it.
    this.db.pragma('synchronous = NORMAL');
    try {
      // One statement for all of them (json_each), returning what each row weighed. A row shed while in
      // flight is simply not found.
      const gone = this.stmts.deleteRowids.all(JSON.stringify(rowids)) as number[];
      for (const bytes of gone) {
        this.rows--;
        this.bytes -= bytes;
      }
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Messages waiting, all topics, on disk and in memory (cheap to ask often). */
  get size(): number {
    return this.rows - this.toDelete.size + this.volatile.size;
  }

  backlog(): Record<'alarm' | 'event' | 'heartbeat' | 'telemetry', number> {
    this.flushAcks();
    const out = { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 };
    for (const v of this.volatile.values()) out[v.topic as 'heartbeat' | 'telemetry']++;
    for (const r of this.stmts.backlog.all() as { topic: string; n: number }[]) {
      const key = r.topic === 'cmd/result' ? 'event' : (r.topic as keyof typeof out);
      out[key] += r.n;
    }
    return out;
  }

  /**
   * When the clock becomes good: rewrite `at` of the messages recorded before, from their monotonic time
   * (same boot only: the monotonic clock restarts with the process). Returns how many were corrected.
   */
  correctClock(boot: string, wallNow: number, monoNow: number): number {
    this.spill(new Set());
    const rows = this.db.prepare('SELECT rowid, payload, mono FROM outbox WHERE unsynced = 1 AND boot = ?').all(boot) as { rowid: number; payload: Buffer; mono: number }[];
    const update = this.db.prepare('UPDATE outbox SET payload = ?, bytes = ?, unsynced = 0 WHERE rowid = ?');
    this.db.transaction(() => {
      for (const r of rows) {
        const p = JSON.parse(r.payload.toString()) as Record<string, unknown>;
        p.at = new Date(wallNow - (monoNow - r.mono)).toISOString();
        p.clock = 'synced';
        const buf = Buffer.from(JSON.stringify(p));
        this.bytes += buf.length - r.payload.length;
        update.run(buf, buf.length, r.rowid);
      }
    })();
    return rows.length;
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
    this.spill(new Set());
    this.db.close();
  }
}

/** quick_check at boot; a corrupt file (and its WAL) is moved aside and a fresh one started. */
export function moveAsideIfCorrupt(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  let ok = false;
  try {
    const probe = new Database(file, { fileMustExist: true });
    ok = (probe.pragma('quick_check', { simple: true }) as string) === 'ok';
    probe.close();
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  for (const ext of ['-wal', '-shm']) if (existsSync(file + ext)) renameSync(file + ext, aside + ext);
  return aside;
}
