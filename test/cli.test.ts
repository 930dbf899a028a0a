// The bins as an installer runs them: compiled (npm ci builds dist/), as separate processes, with
// their real exit codes and output streams.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const GATEWAY = join(ROOT, 'dist/gateway/cli/main.js');
const SIM = join(ROOT, 'dist/simulator/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'jx-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function bin(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(file, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('jiuxiao-gateway bin', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await bin(GATEWAY, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check-config FILE \[--json\]/);
    expect(r.stdout).toMatch(/schema/);
  });

  it('--version prints the package version', async () => {
    const r = await bin(GATEWAY, ['--version']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('check-config on an example: exit 0 and a summary with the colour', async () => {
    const r = await bin(GATEWAY, ['check-config', 'config/examples/hotpot-restaurant.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/risk {5}RED 高风险/);
  });

  it('check-config --json on an invalid file: exit 1, one JSON object with positions', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(
      file,
      'gateway:\n  id: GW-1-0001\nvenue:\n  id: V1\n  name: x\n  adminCode: "500242100000"\n  category: catering\n  flammables: true\n  fireKeyUnit: false\n  mixedUse: false\n  heavyGasUse: maybe\n',
    );
    const r = await bin(GATEWAY, ['check-config', file, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; errors: { path: string; line: number; column: number }[]; venue: unknown };
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([expect.objectContaining({ path: 'venue.heavyGasUse', line: 11, column: 16 })]);
    expect(report.venue).toBeNull();
  });

  it('check-config on a missing file: exit 2, no stack trace', async () => {
    const r = await bin(GATEWAY, ['check-config', join(tmp, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/cannot read: no such file/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2 and say what is wrong', async () => {
    const none = await bin(GATEWAY, ['check-config']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/expected one FILE, got 0/);
    const unknown = await bin(GATEWAY, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const flag = await bin(GATEWAY, ['check-config', 'x.yaml', '--jsn']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--jsn/);
  });

  it('schema prints a JSON Schema', async () => {
    const r = await bin(GATEWAY, ['schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' });
  });

  it('a closed pipe is not an error', async () => {
    const r = await run('/bin/sh', ['-c', `node ${GATEWAY} schema | head -c 10 >/dev/null`], { cwd: ROOT });
    expect(r.stderr).not.toMatch(/EPIPE/);
  });
});

describe('jiuxiao-sim bin', () => {
  it('--help works and exits 0', async () => {
    const r = await bin(SIM, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: jiuxiao-sim COMMAND/);
  });

  it('profiles lists the built-in register maps', async () => {
    const r = await bin(SIM, ['profiles']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gas-lel: /m);
    expect(r.stdout).toMatch(/alarm-status +fc3 27 \(0x001B\)/);
  });

  it('an unknown command exits 2', async () => {
    const r = await bin(SIM, ['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
