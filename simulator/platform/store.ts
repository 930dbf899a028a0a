// The reference platform's state in one SQLite file (WAL). Replicas of one county's platform share it:
// each reads and writes under short IMMEDIATE transactions, so a case opened by one replica is found by
// the other when the next message of the same alarm lands there (a shared subscription splits one
// gateway's messages across replicas). A real platform puts the same tables in a shared database.
//
// Kept: gateways (online, last heartbeat, seq bookkeeping), venues (risk, last inspection), the ids seen
// (dedupe of alarm, event and cmd/result; heartbeats and telemetry are deduped in memory), the seq holes
// per gateway, cases (as JSON beside the columns the console filters on), contract violations.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RiskColour, VenueCategory } from '../../config/index.js';
import type { Case } from './cases.js';

export interface GatewayRow {
  gw: string;
  venueId: string | null;
  online: boolean;
  /** When the retained status last changed, or the last message (ms). */
  statusAt: number;
  lastSeen: number;
  lastHeartbeat: number | null;
  boot: string | null;
  maxSeq: number;
  /** Messages with a seq the platform never got (after the grace for late arrivals). */
  lost: number;
  violations: number;
  /** The software version its last heartbeat said. */
  version: string | null;
}

export interface VenueRow {
  id: string;
  gw: string;
  adminCode: string;
  category: VenueCategory;
  risk: RiskColour;
  lastInspection: number | null;
}

export interface Violation {
  at: number;
  topic: string;
  gw: string | null;
  reason: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gateways (gw TEXT PRIMARY KEY, venue_id TEXT, online INTEGER NOT NULL DEFAULT 0, status_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL, last_heartbeat INTEGER, boot TEXT, max_seq INTEGER NOT NULL DEFAULT 0, lost INTEGER NOT NULL DEFAULT 0,
  violations INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS venues (id TEXT PRIMARY KEY, gw TEXT NOT NULL, admin_code TEXT NOT NULL, category TEXT NOT NULL, risk TEXT NOT NULL,
  last_inspection INTEGER);
CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS holes (gw TEXT NOT NULL, seq INTEGER NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (gw, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cases (alarm_id TEXT PRIMARY KEY, no TEXT NOT NULL UNIQUE, gw TEXT NOT NULL, admin_code TEXT NOT NULL,
  status TEXT NOT NULL, opened_at INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_open ON cases (status, opened_at);
CREATE TABLE IF NOT EXISTS violations (at INTEGER NOT NULL, topic TEXT NOT NULL, gw TEXT, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** Holes wider than this are not tracked one by one: the gateway's outbox shed nothing of alarm/event, so
 *  such a jump means the platform was not listening (or a fresh outbox file); it is counted as one note. */
const MAX_HOLE = 10_000;

export class PlatformStore {
  readonly db: Database.Database;
  private readonly s;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'platform.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // The software version each box last said in its heartbeat (added after the first release of this file).
    const cols = this.db.prepare('PRAGMA table_info(gateways)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'version')) this.db.exec('ALTER TABLE gateways ADD COLUMN version TEXT');
    const d = this.db;
    this.s = {
      seen: d.prepare('INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)'),
      gateway: d.prepare('SELECT * FROM gateways WHERE gw = ?'),
      touch: d.prepare(
        `INSERT INTO gateways (gw, venue_id, online, status_at, last_seen) VALUES (@gw, @venueId, 1, @now, @now)
         ON CONFLICT (gw) DO UPDATE SET last_seen = @now, venue_id = COALESCE(@venueId, venue_id)`,
      ),
      status: d.prepare(
        `INSERT INTO gateways (gw, online, status_at, last_seen) VALUES (@gw, @online, @now, @now)
         ON CONFLICT (gw) DO UPDATE SET online = @online, status_at = @now`,
      ),
      heartbeat: d.prepare('UPDATE gateways SET last_heartbeat = @now, online = 1, version = @version WHERE gw = @gw'),
      seqState: d.prepare('UPDATE gateways SET max_seq = @maxSeq, boot = @boot, lost = lost + @lost WHERE gw = @gw'),
      addHole: d.prepare('INSERT OR IGNORE INTO holes (gw, seq, since) VALUES (?, ?, ?)'),
      fillHole: d.prepare('DELETE FROM holes WHERE gw = ? AND seq = ?'),
      dropHoles: d.prepare('DELETE FROM holes WHERE gw = ?'),
      oldHoles: d.prepare('DELETE FROM holes WHERE since < ? RETURNING gw, seq'),
      addLost: d.prepare('UPDATE gateways SET lost = lost + ? WHERE gw = ?'),
      holes: d.prepare('SELECT gw, seq, since FROM holes ORDER BY gw, seq'),
      venue: d.prepare(
        `INSERT INTO venues (id, gw, admin_code, category, risk) VALUES (@id, @gw, @adminCode, @category, @risk)
         ON CONFLICT (id) DO UPDATE SET gw = @gw, admin_code = @adminCode, category = @category, risk = @risk`,
      ),
      inspected: d.prepare('UPDATE venues SET last_inspection = ? WHERE id = ?'),
      venues: d.prepare('SELECT * FROM venues ORDER BY id'),
      gateways: d.prepare('SELECT * FROM gateways ORDER BY gw'),
      getCase: d.prepare('SELECT json FROM cases WHERE alarm_id = ?').pluck(),
      getCaseByNo: d.prepare('SELECT json FROM cases WHERE no = ?').pluck(),
      putCase: d.prepare(
        `INSERT INTO cases (alarm_id, no, gw, admin_code, status, opened_at, json) VALUES (@alarmId, @no, @gw, @adminCode, @status, @openedAt, @json)
         ON CONFLICT (alarm_id) DO UPDATE SET status = @status, json = @json`,
      ),
      openCases: d.prepare("SELECT json FROM cases WHERE status != 'closed' ORDER BY opened_at").pluck(),
      recentCases: d.prepare('SELECT json FROM cases ORDER BY opened_at DESC LIMIT ?').pluck(),
      next: d.prepare('INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value').pluck(),
      counter: d.prepare('SELECT value FROM counters WHERE name = ?').pluck(),
      violation: d.prepare('INSERT INTO violations (at, topic, gw, reason) VALUES (?, ?, ?, ?)'),
      violationOf: d.prepare('UPDATE gateways SET violations = violations + 1 WHERE gw = ?'),
      violations: d.prepare('SELECT at, topic, gw, reason FROM violations ORDER BY rowid DESC LIMIT ?'),
      trimViolations: d.prepare('DELETE FROM violations WHERE rowid <= (SELECT MAX(rowid) FROM violations) - 1000'),
    };
  }

  /** Runs `fn` in one IMMEDIATE transaction (replicas share the file: the write lock is taken first). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** True the first time an id is seen (across replicas and restarts). */
  firstSeen(id: string, now: number): boolean {
    return this.s.seen.run(id, now).changes === 1;
  }

  touch(gw: string, venueId: string | null, now: number): void {
    this.s.touch.run({ gw, venueId, now });
  }

  setStatus(gw: string, online: boolean, now: number): void {
    this.s.status.run({ gw, online: online ? 1 : 0, now });
  }

  heartbeat(gw: string, now: number, version: string): void {
    this.s.heartbeat.run({ gw, now, version });
  }

  gateway(gw: string): GatewayRow | undefined {
    const r = this.s.gateway.get(gw) as Record<string, unknown> | undefined;
    return r ? gatewayRow(r) : undefined;
  }

  gateways(): GatewayRow[] {
    return (this.s.gateways.all() as Record<string, unknown>[]).map(gatewayRow);
  }

  /**
   * One alarm or event seq of a gateway (alarm and event share one gap-free counter, persisted across the
   * gateway's restarts). Alarms are published before events, so a higher seq often comes first: the seqs
   * skipped are holes, filled when they arrive; a hole older than the grace is a lost message (`expire`).
   * A lower seq under a new boot that fills no hole: the gateway's outbox started afresh.
   * Returns a note when something worth showing happened.
   */
  seq(gw: string, boot: string, seq: number, now: number): string | null {
    const g = this.gateway(gw);
    if (!g) return null;
    if (g.maxSeq === 0) {
      // The first message the platform sees from it: earlier ones were before the platform listened.
      this.s.seqState.run({ gw, maxSeq: seq, boot, lost: 0 });
      return null;
    }
    if (seq > g.maxSeq) {
      const skipped = seq - g.maxSeq - 1;
      let note: string | null = null;
      if (skipped > MAX_HOLE) note = `seq jumped from ${g.maxSeq} to ${seq}: ${skipped} messages not tracked one by one`;
      else for (let s = g.maxSeq + 1; s < seq; s++) this.s.addHole.run(gw, s, now);
      this.s.seqState.run({ gw, maxSeq: seq, boot, lost: 0 });
      return note;
    }
    if (this.s.fillHole.run(gw, seq).changes === 1) return null;
    if (boot !== g.boot && seq === 1) {
      this.s.dropHoles.run(gw);
      this.s.seqState.run({ gw, maxSeq: seq, boot, lost: 0 });
      return `seq restarted at 1 under boot ${boot} (a fresh outbox file at the gateway)`;
    }
    return null; // a resend already counted (its id was new: the gateway re-made it after a crash)
  }

  /** Holes older than `graceMs` become lost messages, counted per gateway. Returns them. */
  expireHoles(now: number, graceMs: number): { gw: string; seq: number }[] {
    const gone = this.s.oldHoles.all(now - graceMs) as { gw: string; seq: number }[];
    const per = new Map<string, number>();
    for (const h of gone) per.set(h.gw, (per.get(h.gw) ?? 0) + 1);
    for (const [gw, n] of per) this.s.addLost.run(n, gw);
    return gone;
  }

  holes(): { gw: string; seq: number; since: number }[] {
    return this.s.holes.all() as { gw: string; seq: number; since: number }[];
  }

  venue(v: Omit<VenueRow, 'lastInspection'>): void {
    this.s.venue.run(v);
  }

  inspected(venueId: string, at: number): boolean {
    return this.s.inspected.run(at, venueId).changes === 1;
  }

  venues(): VenueRow[] {
    return (this.s.venues.all() as Record<string, unknown>[]).map((r) => ({
      id: r.id as string,
      gw: r.gw as string,
      adminCode: r.admin_code as string,
      category: r.category as VenueCategory,
      risk: r.risk as RiskColour,
      lastInspection: (r.last_inspection as number | null) ?? null,
    }));
  }

  getCase(alarmId: string): Case | undefined {
    const j = this.s.getCase.get(alarmId) as string | undefined;
    return j ? (JSON.parse(j) as Case) : undefined;
  }

  caseByNo(no: string): Case | undefined {
    const j = this.s.getCaseByNo.get(no) as string | undefined;
    return j ? (JSON.parse(j) as Case) : undefined;
  }

  putCase(c: Case): void {
    this.s.putCase.run({ alarmId: c.alarmId, no: c.no, gw: c.gw, adminCode: c.adminCode, status: c.status, openedAt: c.openedAt, json: JSON.stringify(c) });
  }

  nextCaseNo(): string {
    return `C-${String(this.s.next.get('case') as number).padStart(6, '0')}`;
  }

  openCases(): Case[] {
    return (this.s.openCases.all() as string[]).map((j) => JSON.parse(j) as Case);
  }

  recentCases(limit = 200): Case[] {
    return (this.s.recentCases.all(limit) as string[]).map((j) => JSON.parse(j) as Case);
  }

  count(name: string): number {
    return Number(this.s.counter.get(name) ?? 0);
  }

  bump(name: string): number {
    return this.s.next.get(name) as number;
  }

  violation(v: Violation): void {
    this.s.violation.run(v.at, v.topic, v.gw, v.reason);
    if (v.gw) this.s.violationOf.run(v.gw);
    if (this.bump('violations') % 100 === 0) this.s.trimViolations.run();
  }

  violations(limit = 50): Violation[] {
    return this.s.violations.all(limit) as Violation[];
  }

  close(): void {
    this.db.close();
  }
}

function gatewayRow(r: Record<string, unknown>): GatewayRow {
  return {
    gw: r.gw as string,
    venueId: (r.venue_id as string | null) ?? null,
    online: r.online === 1,
    statusAt: r.status_at as number,
    lastSeen: r.last_seen as number,
    lastHeartbeat: (r.last_heartbeat as number | null) ?? null,
    boot: (r.boot as string | null) ?? null,
    maxSeq: r.max_seq as number,
    lost: r.lost as number,
    violations: r.violations as number,
    version: (r.version as string | null) ?? null,
  };
}
