// Config files without bounds (issue 21, item 3): the hostile files too big for golden cases, made here,
// each given to the real `check-config` and `run` in a process of their own: refused with the documented
// exit 2 and a specific error with its place, and within the memory bound (the child's peak RSS, from
// its own resource usage). How long each takes is measured by `npm run bench:config`, not asserted here.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_BOUNDS } from '../config/bounds.js';
import { hostileConfigs } from '../bench/hostile-configs.js';
import { SHOP, venueLine } from '../bench/lib/fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'jx-bounds-'));
const files = hostileConfigs(tmp);
const MEASURE = join(ROOT, 'dist/bench/measure-cli.js');

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI in a child that reports its exit code, output and peak RSS. */
async function measured(args: string[]): Promise<{ code: number; out: string; maxRssMB: number }> {
  const r = await promisify(execFile)('node', [MEASURE, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { code: number; out: string; maxRssMB: number };
}

describe('hostile config files are refused with a position, in bounded memory', () => {
  const expected: Record<keyof typeof files, RegExp> = {
    bigDeviceList: /cannot read: the file is 50\.0 MiB; a config file is at most 256\.0 KiB/,
    bigVenueName: /cannot read: the file is 50\.0 MiB; a config file is at most 256\.0 KiB/,
    justUnderWithManyDevices: new RegExp(`config\\.yaml:16:3: \\d+ items in one list; at most ${CONFIG_BOUNDS.items}`),
    justUnderWithOneLongName: /config\.yaml:12:9: a value of \d+ characters; values are at most 4096/,
    aliasBomb: /config\.yaml:18:9: expanding the aliases here gives more than 100,000 values/,
    deepNesting: /config\.yaml:13:36: nested more than 32 levels deep/,
    endlessStream: /cannot read: the file is over 256\.0 KiB, the most a config file may be/,
  };
  for (const [name, file] of Object.entries(files) as [keyof typeof files, string][]) {
    it(`${name}: check-config exit 2 with the reason, peak RSS < 200 MB`, async () => {
      const r = await measured(['check-config', file]);
      expect(r.out).toMatch(expected[name]);
      expect(r.code).toBe(2);
      expect(r.maxRssMB).toBeLessThan(200);
    });
  }

  it('run refuses the same files the same way (exit 2, not an internal error)', async () => {
    for (const name of ['aliasBomb', 'bigDeviceList', 'deepNesting'] as const) {
      const r = await measured(['run', '--config', files[name]]);
      expect({ name, code: r.code }).toEqual({ name, code: 2 });
      expect(r.out).toMatch(expected[name]);
      expect(r.out).not.toMatch(/internal error/);
      expect(r.maxRssMB).toBeLessThan(200);
    }
  });

  it('a password file that is a disk image is refused, not read', () => {
    const big = join(tmp, 'password.img');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024));
    const conf = join(tmp, 'with-secret.yaml');
    writeFileSync(
      conf,
      'gateway: { id: GW-500242-0001, dataDir: /tmp/jx-case }\n' +
        `${venueLine(SHOP, { id: 'V1', name: '小卖部' })}\n` +
        `uplink: { url: "mqtt://127.0.0.1:1883", username: gw, passwordFile: ${big} }\n`,
    );
    return measured(['check-config', conf]).then((r) => {
      expect(r.code).toBe(1);
      expect(r.out).toContain(
        `with-secret.yaml:3:69 uplink.passwordFile: cannot read the password file ${big}: the file is 2.0 MiB; such a file is at most 1.0 MiB`,
      );
    });
  });
});
