// The repository's docs stand alone: a person who clones it has no folder beside it, so nothing in it
// may send them to one (the architecture and domain facts live in docs/).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const OUTSIDE = [/\.\.\/shared\b/, /\bDESIGN\.md\b/, /\bDOMAIN\.md\b/];

describe('the repository stands alone', () => {
  it('no tracked file points at docs outside it', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
    const hits: string[] = [];
    for (const f of files) {
      if (!/\.(ts|md|js|json|yaml|sh)$|^\.ci\//.test(f)) continue;
      const text = readFileSync(f, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line)) && f !== 'test/unit/docs-stand-alone.test.ts') hits.push(`${f}:${i + 1}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('the docs the code cites exist', () => {
    for (const f of ['docs/architecture.md', 'docs/domain.md', 'docs/glossary.md']) {
      expect(readFileSync(f, 'utf8').length).toBeGreaterThan(1000);
    }
  });
});
