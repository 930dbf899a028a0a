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

  it.each(['commission', 'scan', 'check-config', 'reset', 'status'])('%s --help follows the locale too, with the same flags', async (command) => {
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
  });
});
