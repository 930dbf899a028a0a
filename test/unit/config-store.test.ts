// The configs a box has run (gateway/fleet/config-store.ts) on a real data directory.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigStore, sha256Of } from '../../gateway/fleet/config-store.js';

const root = mkdtempSync(join(tmpdir(), 'jx-config-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

describe('config store', () => {
  it("the installer's file runs until the platform's stands in for it; an edit on site wins again", () => {
    const dir = join(root, `d${++n}`);
    const store = new ConfigStore(dir);
    expect(store.resolve('site: 1\n')).toMatchObject({ text: 'site: 1\n', entry: { n: 1, by: 'site', state: 'kept' } });
    expect(store.resolve('site: 1\n').entry.n).toBe(1); // the same file: no new entry
    const p = store.addPlatform('platform: 1\n', 'v1', sha256Of('site: 1\n'), Date.now() + 60_000);
    expect(new ConfigStore(dir).resolve('site: 1\n')).toMatchObject({ text: 'platform: 1\n', entry: { n: p.n, by: 'platform', state: 'probation' } });
    // Edited on site: the file runs, recorded as a new entry.
    expect(new ConfigStore(dir).resolve('site: 2\n')).toMatchObject({ text: 'site: 2\n', entry: { n: 3, by: 'site' } });
  });

  it('counts the starts of a config on probation, goes back to the last kept one, keeps the last ten', () => {
    const dir = join(root, `d${++n}`);
    const store = new ConfigStore(dir);
    store.resolve('site\n');
    const p = store.addPlatform('p1\n', 'v1', sha256Of('site\n'), Date.now() + 60_000);
    store.countStart(p.n);
    expect(new ConfigStore(dir).countStart(p.n)?.probation?.starts).toBe(2);
    store.settle(p.n, 'rolled-back', 'device x not answering');
    const back = store.previousKept(p.n);
    expect(back).toMatchObject({ n: 1, by: 'site' });
    // The installer's file runs again, recorded as such after the rolled-back entry.
    expect(store.resolve('site\n')).toMatchObject({ text: 'site\n', entry: { by: 'site', n: 3 } });
    for (let i = 0; i < 12; i++) store.addPlatform(`p${i}\n`, `v${i}`, sha256Of('site\n'), 0);
    expect(store.list()).toHaveLength(10);
    expect(readdirSync(store.dir).filter((f) => f.endsWith('.yaml'))).toHaveLength(10);
    expect(existsSync(join(store.dir, 'history.json'))).toBe(true);
  });
});

describe('remote diagnostics, capped', () => {
  it('the last lines of both threads in time order, at a level and above, never over the cap', async () => {
    const { lastLines, MAX_DIAGNOSTICS_BYTES } = await import('../../gateway/fleet/diagnostics.js');
    const main = [
      { at: 1, line: '{"level":"info","msg":"a"}' },
      { at: 3, line: '{"level":"warn","msg":"c"}' },
    ];
    const rec = [{ at: 2, line: '{"level":"error","msg":"b"}' }];
    expect(lastLines(main, rec, 10, 'info')).toEqual({ lines: [main[0]!.line, rec[0]!.line, main[1]!.line], truncated: false });
    expect(lastLines(main, rec, 10, 'warn').lines).toEqual([rec[0]!.line, main[1]!.line]);
    expect(lastLines(main, rec, 1, 'info')).toEqual({ lines: [main[1]!.line], truncated: true });
    const big = Array.from({ length: 500 }, (_, i) => ({ at: i, line: `{"level":"info","msg":"${'x'.repeat(1000)}"}` }));
    const capped = lastLines(big, [], 500, 'info');
    expect(capped.truncated).toBe(true);
    expect(capped.lines.join('').length).toBeLessThanOrEqual(MAX_DIAGNOSTICS_BYTES);
    expect(capped.lines.at(-1)).toBe(big.at(-1)!.line);
  });
});
