// The outbox's tables, and the upgrade of a file written by an earlier 0.1 build.

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
 * Creates the tables, or brings a file of an earlier 0.1 build up to date in one transaction (rows kept;
 * its rows are single messages). No index on id: every delete goes by rowid, and an index costs a b-tree
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
  })();
}
