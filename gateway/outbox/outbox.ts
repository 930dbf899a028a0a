// The outbox: every alarm, event and command result is committed to SQLite before it is published and
// deleted only after the broker's PUBACK (DESIGN.md invariant 1). Power loss, kill -9, broker outage,
// reboot: nothing committed is lost, and a resend keeps its id. (Telemetry and heartbeats: see below.)
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
// - A spill is one row per topic (a "pack": the payloads end to end, and a list of each one's id, seq,
//   length and monotonic time). An outage's backlog is mostly telemetry; draining it then reads and
//   deletes one row per few hundred messages instead of one each (DESIGN.md invariant 1 holds: the pack
//   is deleted when its last message is acknowledged; a crash before that resends all of it, same ids).

import type Database from 'better-sqlite3';
import { openSqliteFile } from '../storage/sqlite-file.js';
import { unpack, type Part } from './pack.js';
import { createSchema } from './schema.js';

export type OutTopic = 'alarm' | 'event' | 'heartbeat' | 'telemetry' | 'cmd/result';

/** Publishing order: lower first. */
const PRIORITY: Record<OutTopic, number> = { alarm: 0, 'cmd/result': 1, event: 1, heartbeat: 2, telemetry: 3 };
const COUNTER: Record<OutTopic, string> = { alarm: 'event', event: 'event', heartbeat: 'heartbeat', telemetry: 'telemetry', 'cmd/result': 'result' };

export interface OutboxCaps {
  maxRows: number;
  maxBytes: number;
  /** Rows kept free for alarms and events: telemetry may not use them. */
  reserveRows: number;
}

export interface Pending {
  /** The row that holds it; 0 while it waits in memory. */
  rowid: number;
  id: string;
  topic: OutTopic;
  payload: Buffer;
  seq: number;
  /** Messages in its row when that row is a pack (a spill), else 0. */
  pack: number;
}

type Meta = { boot: string; mono: number; unsynced: boolean };

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
  private readonly volatile = new Map<string, Pending & { meta: Meta }>();
  private readonly volatileSeq = new Map<string, number>();
  /** Acknowledged messages whose delete is not committed yet. */
  private readonly toDelete = new Map<string, Pick<Pending, 'rowid' | 'pack' | 'topic'>>();
  /**
   * Rows acknowledged in full whose delete failed (a full or read-only disk): never handed out again
   * (that would resend them in a loop), deleted at the next flush that works.
   */
  private readonly undeleted = new Set<number>();
  /** Why the last delete failed, while deletes fail. */
  deleteError: string | undefined;
  /** Packs with some of their messages acknowledged: the row stays until the last one is. */
  private readonly packAcked = new Map<number, { topic: OutTopic; ids: Set<string> }>();
  private packAckedCount = 0;
  /** Packs trimmed by shedding: how many messages they hold now, and the ids cut from them. */
  private readonly trimmed = new Map<number, { n: number; cut: Set<string> }>();
  /** The messages of the packs read last (rowids are never reused: a cached rowid is that row). */
  private readonly packs = new Map<number, Pending[]>();
  /**
   * Rowids are given here, never twice in a process: deletes go by rowid, and a PUBACK can come for a
   * row that was shed meanwhile; had SQLite reused its rowid (max + 1 after the newest row went) for a
   * newer alarm, that alarm would be deleted unsent. AUTOINCREMENT would do the same at the cost of a
   * page write per commit; across a restart nothing is in flight, so memory is enough.
   */
  private lastRowid: number;
  static readonly MAX_VOLATILE = 500;
  readonly movedAside: string | undefined;

  /** The file's handle, for the few tables that live beside the queue (the commands' answers). */
  get database(): Database.Database {
    return this.db;
  }

  /** `dataDir` null: in memory (the data directory is unusable); nothing survives a restart. */
  constructor(
    dataDir: string | null,
    private readonly caps: OutboxCaps,
  ) {
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
      // Rows count messages: a pack counts for all of its own.
      totals: this.db.prepare('SELECT COALESCE(SUM(n), 0) AS rows, COALESCE(SUM(bytes), 0) AS bytes FROM outbox'),
      oldestTelemetry: this.db.prepare(
        `SELECT rowid, bytes, n, parts IS NOT NULL AS isPack FROM outbox WHERE priority = ${PRIORITY.telemetry} ORDER BY rowid LIMIT 1`,
      ),
      trimPack: this.db.prepare(
        'UPDATE outbox SET id = @id, seq = @seq, mono = @mono, n = @n, bytes = @bytes, parts = @parts, payload = @payload WHERE rowid = @rowid',
      ),
      exists: this.db.prepare('SELECT 1 FROM outbox WHERE rowid = ?').pluck(),
      deleteRow: this.db.prepare('DELETE FROM outbox WHERE rowid = ?'),
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
    this.recount();
    for (const c of ['telemetry', 'heartbeat']) this.volatileSeq.set(c, Number(this.stmts.next.get(c) ?? 0));
    this.shedRows = Number(this.stmts.next.get('shed_rows') ?? 0);
    this.shedBytes = Number(this.stmts.next.get('shed_bytes') ?? 0);
  }

  /**
   * Commits one message. `build` receives the seq and returns the payload object (JSON). Alarms and events
   * always go in; telemetry may be shed (returns false) when the caps leave no room for it.
   */
  add(topic: OutTopic, id: string, meta: Meta, build: (ctx: BuildContext) => unknown): boolean {
    return this.addMany([{ topic, id, meta, build }]) > 0;
  }

  /** Commits several messages in one transaction (telemetry batches, an event burst). Returns how many. */
  addMany(items: { topic: OutTopic; id: string; meta: Meta; build: (ctx: BuildContext) => unknown }[]): number {
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
          this.insertRow(it.topic, it.id, seq, payload, it.meta, 1, null);
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

  private recount(): void {
    const t = this.stmts.totals.get() as { rows: number; bytes: number };
    this.rows = t.rows;
    this.bytes = t.bytes;
  }

  /** How far `messages` more telemetry of `bytes` would pass the telemetry's share (the reserve and
   *  a tenth of the bytes are kept for alarms and events); ≤ 0 on both counts: they fit. */
  private telemetryOverage(bytes: number, messages: number): { messages: number; bytes: number } {
    return { messages: this.rows + messages - (this.caps.maxRows - this.caps.reserveRows), bytes: this.bytes + bytes - this.caps.maxBytes * 0.9 };
  }

  /** Whether `messages` more telemetry of `bytes` fit, after shedding the oldest telemetry on disk if need be. */
  private roomForTelemetry(bytes: number, messages = 1): boolean {
    const before = this.telemetryOverage(bytes, messages);
    if (before.messages <= 0 && before.bytes <= 0) return true;
    this.shedOldestTelemetry(before.messages, before.bytes);
    const after = this.telemetryOverage(bytes, messages);
    return after.messages <= 0 && after.bytes <= 0;
  }

  private enforceCaps(): void {
    const messages = this.rows - this.caps.maxRows;
    const bytes = this.bytes - this.caps.maxBytes;
    if (messages > 0 || bytes > 0) this.shedOldestTelemetry(messages, bytes); // only alarms/events left: kept
  }

  /**
   * Drops the oldest telemetry on disk until at least `messages` messages and `bytes` bytes went (or none
   * is left). A pack larger than what is needed is trimmed in place (it keeps its place in the queue);
   * its cut messages are remembered, so a PUBACK for one of them does not count towards the pack.
   * Returns how many messages went.
   */
  private shedOldestTelemetry(messages: number, bytes = 0): number {
    let shedMessages = 0;
    let shedBytes = 0;
    while (shedMessages < messages || shedBytes < bytes) {
      const r = this.stmts.oldestTelemetry.get() as { rowid: number; bytes: number; n: number; isPack: 0 | 1 } | undefined;
      if (!r) break;
      const needMessages = messages - shedMessages;
      const needBytes = bytes - shedBytes;
      if (!r.isPack || r.n <= needMessages || r.bytes <= needBytes) {
        this.stmts.deleteRow.run(r.rowid);
        this.forgetAcks(r.rowid);
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
      this.packs.delete(r.rowid);
      const trimmed = this.trimmed.get(r.rowid) ?? { n: r.n, cut: new Set<string>() };
      trimmed.n = keep.length;
      const acked = this.packAcked.get(r.rowid);
      for (const [cutId] of parts.slice(0, k)) {
        trimmed.cut.add(cutId);
        if (acked?.ids.delete(cutId)) this.packAckedCount--;
      }
      this.trimmed.set(r.rowid, trimmed);
      shedMessages += k;
      shedBytes += cutBytes;
    }
    this.rows -= shedMessages;
    this.bytes -= shedBytes;
    if (shedMessages) this.shed(shedBytes, shedMessages);
    return shedMessages;
  }

  /** A row that is gone: its pending acknowledgements no longer count. */
  private forgetAcks(rowid: number): void {
    this.undeleted.delete(rowid);
    this.packs.delete(rowid);
    this.trimmed.delete(rowid);
    const acked = this.packAcked.get(rowid);
    if (acked) {
      this.packAckedCount -= acked.ids.size;
      this.packAcked.delete(rowid);
    }
    for (const [id, p] of this.toDelete) if (p.rowid === rowid) this.toDelete.delete(id);
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
        if (topic === 'telemetry' && !this.roomForTelemetry(total, group.length)) {
          // Oldest first: what was on disk went; now the oldest of this spill go, until the rest fits.
          let cutBytes = 0;
          let cut = 0;
          const fits = () => {
            const over = this.telemetryOverage(total, group.length);
            return over.messages <= 0 && over.bytes <= 0;
          };
          while (group.length && !fits()) {
            const oldest = group.shift() as Pending;
            total -= oldest.payload.length;
            cutBytes += oldest.payload.length;
            cut++;
          }
          this.shed(cutBytes, cut);
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
        this.rows += group.length;
        this.bytes += payload.length;
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
    const skip = (id: string) => inFlight.has(id) || this.toDelete.has(id);
    for (const [rowid, id, topic, seq, n, isPack, payload] of this.stmts.nextRows.iterate() as Iterable<
      [number, string, OutTopic, number, number, 0 | 1, Buffer | null]
    >) {
      if (this.undeleted.has(rowid)) continue;
      if (!isPack) {
        if (skip(id)) continue;
        out.push({ rowid, id, topic, payload: payload as Buffer, seq, pack: 0 });
        if (out.length >= limit) return out;
        continue;
      }
      const acked = this.packAcked.get(rowid)?.ids;
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
    this.toDelete.set(p.id, p);
    if (this.toDelete.size >= 1024) this.flushAcks();
  }

  /** Acknowledged messages whose delete waits for the next flushAcks. */
  get pendingAcks(): number {
    return this.toDelete.size;
  }

  flushAcks(): void {
    if (!this.toDelete.size) return;
    const rowids: number[] = [];
    for (const [id, { rowid, pack, topic }] of this.toDelete) {
      if (!pack) {
        rowids.push(rowid);
        continue;
      }
      // A pack goes when its last message is acknowledged. A PUBACK for a message cut from it (shed)
      // does not count; nor one for a pack already gone.
      const trimmed = this.trimmed.get(rowid);
      if (trimmed?.cut.has(id)) continue;
      let acked = this.packAcked.get(rowid);
      if (!acked) {
        if (this.stmts.exists.get(rowid) === undefined) continue;
        this.packAcked.set(rowid, (acked = { topic, ids: new Set() }));
      }
      if (acked.ids.has(id)) continue;
      acked.ids.add(id);
      this.packAckedCount++;
      if (acked.ids.size >= (trimmed?.n ?? pack)) {
        rowids.push(rowid);
        this.packAckedCount -= acked.ids.size;
        this.packAcked.delete(rowid);
        this.packs.delete(rowid);
        this.trimmed.delete(rowid);
      }
    }
    this.toDelete.clear();
    for (const r of this.undeleted) rowids.push(r);
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
          this.rows -= n;
          this.bytes -= bytes;
        }
      } finally {
        this.db.pragma('synchronous = FULL');
      }
      this.undeleted.clear();
      this.deleteError = undefined;
    } catch (err) {
      for (const r of rowids) this.undeleted.add(r);
      this.deleteError = (err as Error).message;
    }
  }

  /** Messages waiting, all topics, on disk and in memory (cheap to ask often). */
  get size(): number {
    return Math.max(0, this.rows - this.toDelete.size - this.packAckedCount - this.undeleted.size) + this.volatile.size;
  }

  backlog(): Record<'alarm' | 'event' | 'heartbeat' | 'telemetry', number> {
    this.flushAcks();
    const out = { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 };
    for (const v of this.volatile.values()) out[v.topic as 'heartbeat' | 'telemetry']++;
    for (const r of this.stmts.backlog.all() as { topic: string; n: number }[]) {
      const key = r.topic === 'cmd/result' ? 'event' : (r.topic as keyof typeof out);
      out[key] += r.n;
    }
    for (const { topic, ids } of this.packAcked.values()) out[topic as 'heartbeat' | 'telemetry'] -= ids.size;
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
        this.bytes += buf.length - r.payload.length;
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
    this.spill(new Set());
    this.db.close();
  }
}
