// The top-level help in both languages: Chinese for a Chinese locale, the same commands in both.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/run-cli.js';

async function help(env: Record<string, string>): Promise<string> {
  let out = '';
  await runCli(['--help'], { stdout: (t) => void (out += t), stderr: () => undefined, env });
  return out;
}

const commands = (text: string) => [...text.matchAll(/^ {2}([a-z][a-z-]+)\b/gm)].map((m) => m[1]);

describe('jiuxiao-gateway --help', () => {
  it('is Chinese under a Chinese locale and English otherwise, listing the same commands', async () => {
    const zh = await help({ LANG: 'zh_CN.UTF-8' });
    const en = await help({ LANG: 'en_US.UTF-8' });
    expect(zh).toMatch(/^jiuxiao-gateway：九小场所网关/);
    expect(zh).toMatch(/用法：jiuxiao-gateway 命令/);
    expect(en).toMatch(/^jiuxiao-gateway: the gateway of a small venue/);
    expect(commands(zh)).toEqual(commands(en));
    expect(commands(en)).toContain('commission');
  });

  it.each(['commission', 'scan', 'read', 'check-config', 'run', 'reset', 'status', 'maintenance', 'silence'])(
    '%s --help follows the locale too, with the same flags',
    async (command) => {
      const out = async (env: Record<string, string>) => {
        let text = '';
        await runCli([command, '--help'], { stdout: (t) => void (text += t), stderr: () => undefined, env });
        return text;
      };
      const zh = await out({ LANG: 'zh_CN.UTF-8' });
      const en = await out({});
      expect(zh).toMatch(new RegExp(`^用法：jiuxiao-gateway ${command}`));
      expect(en).toMatch(new RegExp(`^Usage: jiuxiao-gateway ${command}`));
      const flags = (t: string) => [...new Set([...t.matchAll(/--[a-z-]+/g)].map((m) => m[0]))].sort();
      expect(flags(zh)).toEqual(flags(en));
    },
  );
});

describe('check-config --lang', () => {
  const run = async (args: string[], env: Record<string, string> = {}) => {
    let out = '';
    let err = '';
    const code = await runCli(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env });
    return { code, out, err };
  };
  const example = 'config/examples/hotpot-restaurant.yaml';

  it('the flag wins over the locale both ways; --json stays English for programs', async () => {
    const zh = await run(['check-config', example, '--lang', 'zh']);
    expect(zh.code).toBe(0);
    expect(zh.out).toMatch(/：通过/);
    expect(zh.out).toMatch(/^风险 +RED 高风险：至少每 30 天检查一次/m);
    expect(zh.out).toMatch(/大量使用燃气，如火锅店/);
    const en = await run(['check-config', example, '--lang', 'en'], { LANG: 'zh_CN.UTF-8' });
    expect(en.out).toMatch(/: OK/);
    expect(en.out).toMatch(/^risk +RED 高风险 \(high risk\): inspect at least every 30 days/m);
    const json = await run(['check-config', example, '--json'], { LANG: 'zh_CN.UTF-8' });
    expect((JSON.parse(json.out) as { venue: { riskReasons: string[] } }).venue.riskReasons.join(' ')).toMatch(/uses a lot of gas/);
  });

  it('refuses a language it does not have, naming it', async () => {
    const r = await run(['check-config', example, '--lang', 'fr']).catch((err: Error) => ({ code: 2, out: '', err: err.message }));
    expect(r.code).toBe(2);
    expect(`${r.out}${r.err}`).toMatch(/--lang expects zh or en, got "fr"/);
    expect(r.out).not.toMatch(/OK|通过/);
  });
});
