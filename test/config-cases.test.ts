// Golden config cases, in the style of Telegraf's testcases/: each folder under test/config-cases holds
// a config.yaml (plus env.json for ${ENV} values and any files it names), the exact output of
// `jiuxiao-gateway check-config config.yaml` in expected.out and its exit code in expected.exit.
// Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff like code.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../gateway/cli/run-cli.js';

const ROOT = join(import.meta.dirname, 'config-cases');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

async function check(dir: string, json: boolean, lang?: 'zh'): Promise<{ code: number; out: string }> {
  const envFile = join(dir, 'env.json');
  const env = {
    ...(existsSync(envFile) ? (JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>) : {}),
    ...(lang === 'zh' ? { LANG: 'zh_CN.UTF-8' } : {}),
  };
  let out = '';
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), env };
  const code = await runCli(['check-config', join(dir, 'config.yaml'), ...(json ? ['--json'] : [])], io);
  return { code, out: out.split(`${dir}/`).join('') };
}

const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('check-config golden cases', () => {
  it('there are at least 30 of them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of cases) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const { code, out } = await check(dir, false);
      if (UPDATE) {
        writeFileSync(join(dir, 'expected.out'), out);
        writeFileSync(join(dir, 'expected.exit'), `${code}\n`);
      }
      expect(out).toBe(readFileSync(join(dir, 'expected.out'), 'utf8'));
      expect(code).toBe(Number(readFileSync(join(dir, 'expected.exit'), 'utf8')));

      // --json says the same thing: same verdict, same diagnostics, each with a position.
      const j = await check(dir, true);
      expect(j.code).toBe(code);
      const report = JSON.parse(j.out) as { ok: boolean; errors: { path: string; line: number; column: number; message: string }[]; warnings: unknown[] };
      expect(report.ok).toBe(code === 0);
      const errorLines = out.split('\n').filter((l) => /^config\.yaml:\d+:\d+[ :]/.test(l) && !/ warning: /.test(l));
      if (code !== 2) expect(report.errors).toHaveLength(errorLines.length);
      for (const e of report.errors) expect(out).toContain(e.message);

      // The same under a Chinese locale: same verdict and places, every diagnostic in Chinese.
      const zh = await check(dir, false, 'zh');
      if (UPDATE) writeFileSync(join(dir, 'expected.zh.out'), zh.out);
      expect(zh.out).toBe(readFileSync(join(dir, 'expected.zh.out'), 'utf8'));
      expect(zh.code).toBe(code);
      const places = (text: string) => text.split('\n').flatMap((l) => /^\s*(config\.yaml:\d+:\d+[^ ]*)/.exec(l)?.[1] ?? []);
      expect(places(zh.out)).toEqual(places(out));
      for (const line of zh.out.split('\n').filter((l) => /^\s*config\.yaml:/.test(l))) {
        expect(line, 'a diagnostic left in English').toMatch(/[\u4e00-\u9fff]/);
      }
    });
  }
});
