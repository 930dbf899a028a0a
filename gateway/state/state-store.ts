// Channel states, closed gas valves and open alarms, kept in SQLite so a reboot in the middle of a gas
// alarm keeps the valve closed, the alarm standing (and so its outputs demanded), and its lifecycle id
// for the platform. Writes are rare (state changes only) and each is durable (synchronous=FULL).

import type Database from 'better-sqlite3';
import type { ChannelSnapshot, ChannelState } from '../detect/channel-machine.js';
import type { ChannelEvent } from '../events.js';
import { openSqliteFile } from '../storage/sqlite-file.js';

export interface OpenResult {
  store: StateStore;
  /** Set when the file failed its check at boot and was moved aside. */
  movedAside?: string;
}

/** An alarm the platform knows by its id: restored after a restart, re-announced until acknowledged. */
export interface RememberedAlarm {
  alarmId: string;
  acknowledged: boolean;
  /** The last event of its lifecycle: what a re-announcement repeats. */
  last: ChannelEvent;
}

export class StateStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): OpenResult {
    const { db, movedAside } = openSqliteFile(dataDir, 'state.db');
    try {
      db.exec(`
        CREATE TABLE IF NOT EXISTS channel_state (
          device TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL, latched INTEGER NOT NULL,
          since INTEGER NOT NULL, PRIMARY KEY (device, channel)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS closed_valve (output TEXT PRIMARY KEY, since INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS open_alarm (channel TEXT PRIMARY KEY, alarm_id TEXT NOT NULL, acknowledged INTEGER NOT NULL, last TEXT NOT NULL) WITHOUT ROWID;
      `);
    } catch (err) {
      db.close();
      throw err;
    }
    return { store: new StateStore(db), ...(movedAside ? { movedAside } : {}) };
  }

  channels(): Map<string, ChannelSnapshot> {
    const rows = this.db.prepare('SELECT device, channel, state, latched FROM channel_state').all() as {
      device: string;
      channel: string;
      state: ChannelState;
      latched: number;
    }[];
    return new Map(rows.map((r) => [`${r.device}/${r.channel}`, { state: r.state, latched: r.latched === 1 }]));
  }

  closedValves(): string[] {
    return (this.db.prepare('SELECT output FROM closed_valve').all() as { output: string }[]).map((r) => r.output);
  }

  /** One transaction for all that changed: channel states and the set of closed valves. */
  save(changed: Iterable<[string, ChannelSnapshot]>, closedValves: readonly string[], at: number): void {
    const upsert = this.db.prepare(
      'INSERT INTO channel_state (device, channel, state, latched, since) VALUES (?, ?, ?, ?, ?) ON CONFLICT (device, channel) DO UPDATE SET state = excluded.state, latched = excluded.latched, since = excluded.since',
    );
    const insertValve = this.db.prepare('INSERT OR IGNORE INTO closed_valve (output, since) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const [key, s] of changed) {
        const slash = key.indexOf('/');
        upsert.run(key.slice(0, slash), key.slice(slash + 1), s.state, s.latched ? 1 : 0, at);
      }
      const keep = new Set(closedValves);
      const remove = this.db.prepare('DELETE FROM closed_valve WHERE output = ?');
      for (const v of this.closedValves()) if (!keep.has(v)) remove.run(v);
      for (const v of closedValves) insertValve.run(v, at);
    })();
  }

  alarms(): Map<string, RememberedAlarm> {
    const rows = this.db.prepare('SELECT channel, alarm_id, acknowledged, last FROM open_alarm').all() as {
      channel: string;
      alarm_id: string;
      acknowledged: number;
      last: string;
    }[];
    return new Map(rows.map((r) => [r.channel, { alarmId: r.alarm_id, acknowledged: r.acknowledged === 1, last: JSON.parse(r.last) as ChannelEvent }]));
  }

  /** Replaces the open alarms (a handful of rows, written when one opens, is acknowledged or closes). */
  saveAlarms(open: ReadonlyMap<string, RememberedAlarm>): void {
    const insert = this.db.prepare('INSERT INTO open_alarm (channel, alarm_id, acknowledged, last) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM open_alarm').run();
      for (const [channel, a] of open) insert.run(channel, a.alarmId, a.acknowledged ? 1 : 0, JSON.stringify(a.last));
    })();
  }

  /** SQLite's quick check of the file ("ok", or what is wrong): remote diagnostics. */
  quickCheck(): string {
    return String(this.db.pragma('quick_check', { simple: true }));
  }

  close(): void {
    this.db.close();
  }
}
