// Channel states and closed gas valves, kept in SQLite so a reboot in the middle of a gas alarm keeps
// the valve closed and the alarm standing. Writes are rare (state changes only) and each is durable
// (synchronous=FULL: WAL with NORMAL can lose the last commits on power loss).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChannelSnapshot, ChannelState } from '../detect/channel-machine.js';
import { moveAsideIfCorrupt } from '../outbox/outbox.js';

export interface OpenResult {
  store: StateStore;
  /** Set when the file failed its check at boot and was moved aside. */
  movedAside?: string;
}

export class StateStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): OpenResult {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'state.db');
    const movedAside = moveAsideIfCorrupt(file);
    const db = new Database(file);
    // auto_vacuum must be set before WAL (DESIGN.md library traps).
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS channel_state (
        device TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL, latched INTEGER NOT NULL,
        since INTEGER NOT NULL, PRIMARY KEY (device, channel)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS closed_valve (output TEXT PRIMARY KEY, since INTEGER NOT NULL) WITHOUT ROWID;
    `);
    return { store: new StateStore(db), ...(movedAside ? { movedAside } : {}) };
  }

  channels(): Map<string, ChannelSnapshot> {
    const rows = this.db.prepare('SELECT device, channel, state, latched FROM channel_state').all() as { device: string; channel: string; state: ChannelState; latched: number }[];
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

  close(): void {
    this.db.close();
  }
}
