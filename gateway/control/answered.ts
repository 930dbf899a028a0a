// The answers of the platform's commands, kept in the outbox file (one durable place per box): a command
// repeated with the same id (the broker redelivers it, the platform retries) is answered again from
// here, never executed twice. The last 10 000 are kept. Should the file refuse (full, read-only), the
// answers are kept in memory for this run: a repeat is still answered, not executed again.

import type Database from 'better-sqlite3';

const KEEP = 10_000;

export class AnsweredCommands {
  private readonly stmts: { insert: Database.Statement; trim: Database.Statement; find: Database.Statement } | undefined;
  private readonly memory = new Map<string, unknown>();

  constructor(db: Database.Database) {
    try {
      db.exec('CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, answer TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID');
      this.stmts = {
        insert: db.prepare('INSERT OR REPLACE INTO commands (id, answer, at) VALUES (?, ?, ?)'),
        trim: db.prepare(`DELETE FROM commands WHERE id IN (SELECT id FROM commands ORDER BY at DESC LIMIT -1 OFFSET ${KEEP})`),
        find: db.prepare('SELECT answer FROM commands WHERE id = ?').pluck(),
      };
    } catch {
      this.stmts = undefined;
    }
  }

  remember(id: string, answer: unknown): void {
    this.memory.set(id, answer);
    if (this.memory.size > KEEP) this.memory.delete(this.memory.keys().next().value as string);
    try {
      this.stmts?.insert.run(id, JSON.stringify(answer), Date.now());
      this.stmts?.trim.run();
    } catch {
      // Kept in memory: answered again for as long as this process runs.
    }
  }

  recall(id: string): unknown {
    if (this.memory.has(id)) return this.memory.get(id);
    const row = this.stmts?.find.get(id) as string | undefined;
    return row === undefined ? undefined : JSON.parse(row);
  }
}
