// The answers of the platform's commands, kept in the outbox file (one durable place per box): a command
// repeated with the same id (the broker redelivers it, the platform retries) is answered again from
// here, never executed twice. Should the file refuse (full, read-only), the answers are kept in memory for
// this run: a repeat is still answered, not executed again.
//
// How many are kept depends on the kind (issue 21): a command that changes something (an acknowledgement,
// a reset) is kept long, since the platform may retry it for hours; a read (ping, get-status) costs
// nothing to run again, and a get-status answer is the whole status — ten thousand of them held 27 MB of
// memory. Nothing is kept in memory while the file works.

import type Database from 'better-sqlite3';
import type { COMMAND_NAMES } from '../contract/topics.js';

type CommandName = (typeof COMMAND_NAMES)[number];

/** Answers kept per command kind. */
export const KEEP: Readonly<Record<CommandName, number>> = {
  ping: 100,
  'get-status': 100,
  'ack-alarm': 10_000,
  silence: 1000,
  reset: 1000,
  maintenance: 1000,
  'sync-time': 1000,
  'apply-config': 1000,
  'get-logs': 20,
  'get-diagnostics': 20,
  update: 100,
};

interface Statements {
  insert: Database.Statement;
  trim: Database.Statement;
  find: Database.Statement;
}

export class AnsweredCommands {
  private readonly stmts: Statements | undefined;
  /** Only while the file refuses: per kind, oldest first. */
  private readonly memory = new Map<CommandName, Map<string, unknown>>();

  constructor(db: Database.Database) {
    try {
      // The table is the outbox file's (gateway/outbox/schema.ts).
      this.stmts = {
        insert: db.prepare('INSERT OR REPLACE INTO commands (id, answer, at, kind) VALUES (?, ?, ?, ?)'),
        trim: db.prepare('DELETE FROM commands WHERE id IN (SELECT id FROM commands WHERE kind = ? ORDER BY at DESC LIMIT -1 OFFSET ?)'),
        find: db.prepare('SELECT answer FROM commands WHERE id = ?').pluck(),
      };
      this.stmts.trim.run('', KEEP['ack-alarm']);
    } catch {
      this.stmts = undefined;
    }
  }

  remember(id: string, kind: CommandName, answer: unknown): void {
    try {
      if (!this.stmts) throw new Error('no file');
      this.stmts.insert.run(id, JSON.stringify(answer), Date.now(), kind);
      this.stmts.trim.run(kind, KEEP[kind]);
    } catch {
      // Kept in memory: answered again for as long as this process runs.
      let kept = this.memory.get(kind);
      if (!kept) this.memory.set(kind, (kept = new Map()));
      kept.delete(id);
      kept.set(id, answer);
      if (kept.size > KEEP[kind]) kept.delete(kept.keys().next().value as string);
    }
  }

  recall(id: string): unknown {
    for (const kept of this.memory.values()) if (kept.has(id)) return kept.get(id);
    try {
      const row = this.stmts?.find.get(id) as string | undefined;
      return row === undefined ? undefined : JSON.parse(row);
    } catch {
      return undefined;
    }
  }

  /** Answers held in memory now (0 while the file works). */
  inMemory(): number {
    let n = 0;
    for (const kept of this.memory.values()) n += kept.size;
    return n;
  }
}
