// Every table of the outbox file, in one place, and the upgrades of files written by earlier builds: the
// platform's queue (`outbox`) and its counters, one queue per other receiver (`receiver_queue`), the
// answers of the platform's commands (`commands`) and the operations a centre may ask for
// (`centre_operations`).

import type Database from 'better-sqlite3';

const OUTBOX_TABLE = `
  CREATE TABLE outbox (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, topic TEXT NOT NULL, priority INTEGER NOT NULL,
    seq INTEGER NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL,
    boot TEXT NOT NULL, mono REAL NOT NULL, unsynced INTEGER NOT NULL,
    n INTEGER NOT NULL DEFAULT 1, parts TEXT,
    -- Last: a pack's payload spans overflow pages, and SQLite walks them to reach any column after it.
    payload BLOB NOT NULL)`;
const OLD_COLUMNS = 'rowid, id, topic, priority, seq, payload, bytes, created, boot, mono, unsynced';

/**
 * Creates the tables, or brings a file of an earlier build up to date in one transaction (rows kept). An
 * 0.1 outbox's rows are single messages; a receiver queue from before receivers kept typed records holds
 * the platform's JSON (`typed` 0), which the receiver converts when it opens (./receivers.ts). No index on id: every delete goes by rowid, and an index costs a b-tree
 * write per insert and per delete (measured: a quarter of the delete time); ids are unique by
 * construction (UUIDs).
 */
export function createSchema(db: Database.Database): void {
  db.transaction(() => {
    const existing = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").pluck().get() as string | undefined;
    if (existing === undefined) db.exec(OUTBOX_TABLE);
    else if (!(db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[]).some((c) => c.name === 'parts')) {
      db.exec(`ALTER TABLE outbox RENAME TO outbox_before;
        DROP INDEX IF EXISTS outbox_order;
        ${OUTBOX_TABLE};
        INSERT INTO outbox (${OLD_COLUMNS}) SELECT ${OLD_COLUMNS} FROM outbox_before;
        DROP TABLE outbox_before;`);
    }
    db.exec(`
      CREATE INDEX IF NOT EXISTS outbox_order ON outbox (priority, rowid);
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    if (tableExists(db, 'destination_queue') && !tableExists(db, 'receiver_queue')) {
      db.exec(`ALTER TABLE destination_queue RENAME TO receiver_queue;
        ALTER TABLE receiver_queue RENAME COLUMN destination TO receiver;
        ALTER TABLE receiver_queue ADD COLUMN typed INTEGER NOT NULL DEFAULT 0;
        DROP INDEX IF EXISTS destination_order;`);
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS receiver_queue (
        rowid INTEGER PRIMARY KEY, receiver TEXT NOT NULL, priority INTEGER NOT NULL, topic TEXT NOT NULL,
        id TEXT NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT NULL, payload BLOB NOT NULL, typed INTEGER NOT NULL DEFAULT 1);
      CREATE INDEX IF NOT EXISTS receiver_order ON receiver_queue (receiver, priority, rowid);
      CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, answer TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS centre_operations (rowid INTEGER PRIMARY KEY, at INTEGER NOT NULL, operation INTEGER NOT NULL);
    `);
    // Files from before command answers were kept per kind: their rows are of no kind.
    if (!(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('commands') as string[]).includes('kind'))
      db.exec("ALTER TABLE commands ADD COLUMN kind TEXT NOT NULL DEFAULT ''");
    db.exec('CREATE INDEX IF NOT EXISTS commands_by_kind ON commands (kind, at)');
  })();
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) !== undefined;
}
