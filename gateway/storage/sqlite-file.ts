// Opening one of the gateway's SQLite files (the outbox, the state): checked at boot (a corrupt file and
// its WAL are moved aside and a fresh one started), then the pragmas every file here needs, in the order
// SQLite needs them (docs/architecture.md, library behaviours):
// - auto_vacuum = INCREMENTAL before journal_mode = WAL: it decides the file format;
// - synchronous = FULL: WAL with NORMAL can roll back the last commits on power loss;
// - journal_size_limit: the WAL file is cut back to 4 MB after checkpoints (SD cards);
// - cache_size: better-sqlite3 builds SQLite with a 16 MB page cache per connection, which a burst of
//   commands or a long outage fills and never gives back (issue 21); the kernel caches the file anyway.

import { closeSync, existsSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type DatabaseType from 'better-sqlite3';
import { claimDataDir, DATA_FILE_MODE } from './data-dir.js';

// better-sqlite3 is loaded by the thread that opens a file: with the recorder on its own thread, the
// gateway's main thread (which only acts) never loads it (bench/footprint).
const requireLazily = createRequire(import.meta.url);
let sqlite: typeof DatabaseType | undefined;
const Database = function (...args: ConstructorParameters<typeof DatabaseType>): DatabaseType.Database {
  sqlite ??= requireLazily('better-sqlite3') as typeof DatabaseType;
  return new sqlite(...args);
} as unknown as typeof DatabaseType;

/** SQLite's page cache per file, in KiB (its own default; better-sqlite3's is eight times that). */
const PAGE_CACHE_KIB = 2000;

export interface OpenedFile {
  db: DatabaseType.Database;
  /** Set when the file failed its check at boot and was moved aside. */
  movedAside?: string;
}

/** `dataDir` null: an in-memory database, for a box whose storage is unusable (nothing survives a restart). */
export function openSqliteFile(dataDir: string | null, name: string): OpenedFile {
  if (dataDir === null) return { db: new Database(':memory:') };
  claimDataDir(dataDir);
  const file = join(dataDir, name);
  const movedAside = moveAsideIfCorrupt(file);
  // Made by us with its mode before SQLite opens it: SQLite gives the -wal and -shm files the mode of the
  // database file.
  closeSync(openSync(file, 'a', DATA_FILE_MODE));
  const db = new Database(file);
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('journal_size_limit = 4194304');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return { db, ...(movedAside ? { movedAside } : {}) };
}

/** quick_check at boot; a corrupt file (and its WAL) is moved aside and a fresh one started. */
function moveAsideIfCorrupt(file: string): string | undefined {
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
