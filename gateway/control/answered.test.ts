// What is remembered of commands, per kind, in a real SQLite file: a repeat is answered from it, reads
// (get-status) are kept few and state changes (ack-alarm) many, nothing stays in memory while the file
// works, and a file from before kinds is taken over.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type DatabaseType from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSchema } from '../outbox/schema.js';
import { AnsweredCommands, KEEP } from './answered.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof DatabaseType;
const dir = mkdtempSync(join(tmpdir(), 'jx-answered-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const count = (db: DatabaseType.Database, kind: string) => db.prepare('SELECT count(*) FROM commands WHERE kind = ?').pluck().get(kind) as number;

describe('AnsweredCommands', () => {
  it('keeps a few reads and many state changes, on the file, none in memory', () => {
    const db = new Database(join(dir, 'a.db'));
    createSchema(db);
    const a = new AnsweredCommands(db);
    const status = { ok: true, result: { big: 'x'.repeat(3000) } };
    for (let i = 0; i < 1000; i++) a.remember(`s${i}`, 'get-status', status);
    for (let i = 0; i < 1000; i++) a.remember(`k${i}`, 'ack-alarm', { ok: false, reason: 'no open alarm' });
    expect(count(db, 'get-status')).toBe(KEEP['get-status']);
    expect(count(db, 'ack-alarm')).toBe(1000);
    expect(a.inMemory()).toBe(0);
    expect(a.recall('s999')).toEqual(status);
    expect(a.recall('s0')).toBeUndefined(); // a read that old is run again
    expect(a.recall('k0')).toEqual({ ok: false, reason: 'no open alarm' });
    db.close();
  });

  it('takes over a file from before kinds; with a file that refuses, keeps answers in memory, bounded per kind', () => {
    const db = new Database(join(dir, 'old.db'));
    db.exec('CREATE TABLE commands (id TEXT PRIMARY KEY, answer TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID');
    db.prepare('INSERT INTO commands VALUES (?, ?, ?)').run('old1', '{"ok":true}', 1);
    createSchema(db); // the outbox opening the file brings the table up to date
    const a = new AnsweredCommands(db);
    expect(a.recall('old1')).toEqual({ ok: true });
    db.close(); // from now on every statement throws: the file "refuses"
    for (let i = 0; i < 500; i++) a.remember(`p${i}`, 'ping', { ok: true, i });
    a.remember('r1', 'reset', { ok: true });
    expect(a.inMemory()).toBe(KEEP.ping + 1);
    expect(a.recall('p499')).toEqual({ ok: true, i: 499 });
    expect(a.recall('r1')).toEqual({ ok: true });
  });
});
