// The install root (gateway/fleet/install-root.ts) and the launcher's boot guard (deploy/release/launcher.sh)
// on real files: a bundle unpacked beside the running version only when every file matches SHA256SUMS;
// `current` switched in one rename; the guard counts the starts of a version on trial and puts the
// previous one back at the 4th, or once the deadline has passed, and drops a trial that never began.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstallRoot, verifySums } from '../../gateway/fleet/install-root.js';
import { installRoot, makeRelease, releaseKey, type TestRelease } from '../helpers/release.js';
import { runCommand } from '../helpers/proc.js';

let dir: string;
let root: string;
let v1: TestRelease;
let v2: TestRelease;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jx-install-root-'));
  const key = releaseKey();
  v1 = makeRelease({ out: dir, version: '1.0.0', trusts: key });
  v2 = makeRelease({ out: dir, version: '1.1.0', trusts: key });
  root = installRoot(join(dir, 'opt'), v1);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = () => InstallRoot.around(join(root, '1.0.0')) as InstallRoot;
const guard = () => runCommand(join(root, 'current/bin/jiuxiao-gateway'), ['boot-guard']);

describe('install root', () => {
  it('is found only around a bundle with a `current` link beside it', () => {
    expect(InstallRoot.around(join(dir, 'elsewhere', '1.0.0'))).toMatch(/^not installed from a release bundle \(no .*current link/);
    expect(at().current()).toBe('1.0.0');
  });

  it('unpacks a bundle beside the running one, checked file by file; a tampered bundle is refused and leaves nothing', async () => {
    const r = at();
    await r.unpack(v2.file, '1.1.0', 'a'.repeat(64));
    expect(r.unpacked('1.1.0', 'a'.repeat(64))).toBe(true);
    expect(r.unpacked('1.1.0', 'b'.repeat(64))).toBe(false);
    expect(await verifySums(join(root, '1.1.0'))).toBeNull();
    expect(readFileSync(join(root, '1.1.0', 'VERSION'), 'utf8').trim()).toBe('1.1.0');
    // The same bundle under another version's name: its VERSION says otherwise.
    await expect(r.unpack(v2.file, '1.2.0', 'c'.repeat(64))).rejects.toThrow('the bundle says it is version 1.1.0, its manifest 1.2.0');
    expect(existsSync(join(root, '1.2.0'))).toBe(false);
    // One byte of one file changed after SHA256SUMS was written.
    const work = join(dir, 'tamper');
    mkdirSync(work);
    execFileSync('tar', ['-xzf', v2.file, '-C', work]);
    appendFileSync(join(work, v2.name, 'dist/gateway/cli/main.js'), '//');
    const bad = join(dir, 'bad.tar.gz');
    execFileSync('tar', ['-C', work, '-czf', bad, v2.name]);
    expect(await verifySums(join(work, v2.name))).toBe('dist/gateway/cli/main.js differs from SHA256SUMS');
    await expect(r.unpack(bad, '1.3.0', 'd'.repeat(64))).rejects.toThrow('the unpacked bundle is not whole: dist/gateway/cli/main.js differs from SHA256SUMS');
    expect(existsSync(join(root, '1.3.0'))).toBe(false);
  });

  it('the boot guard: three starts on trial pass, the 4th puts the previous version back and says why', async () => {
    const r = at();
    r.writeTrial({ from: '1.0.0', to: '1.1.0', deadline: Date.now() / 1000 + 600 });
    mkdirSync(join(root, '.update'), { recursive: true });
    writeFileSync(join(root, '.update/job.json'), '{}');
    r.switchTo('1.1.0');
    expect(readlinkSync(join(root, 'current'))).toBe('1.1.0');
    for (let i = 0; i < 3; i++) expect((await guard()).code).toBe(0);
    expect(readlinkSync(join(root, 'current'))).toBe('1.1.0');
    const g = await guard();
    expect(g.stderr).toMatch('boot-guard: software update 1.1.0 rolled back to 1.0.0: not healthy after 3 starts');
    expect(readlinkSync(join(root, 'current'))).toBe('1.0.0');
    expect(r.readOutcome()).toEqual({ version: '1.1.0', from: '1.0.0', state: 'rolled-back', reason: 'not healthy after 3 starts' });
    expect(r.readTrial()).toBeNull();
    expect(existsSync(join(root, '.update/job.json'))).toBe(false);
    r.clearOutcome();
  });

  it('the boot guard: a deadline passed across a restart goes back at once; a trial whose switch never happened is dropped', async () => {
    const r = at();
    r.writeTrial({ from: '1.0.0', to: '1.1.0', deadline: Date.now() / 1000 - 5 });
    r.switchTo('1.1.0');
    await guard();
    expect(readlinkSync(join(root, 'current'))).toBe('1.0.0');
    expect(r.readOutcome()?.reason).toBe('its health deadline passed across a restart');
    r.clearOutcome();
    // Power cut between writing the trial and switching the link: the old version runs, nothing is on trial.
    r.writeTrial({ from: '1.0.0', to: '1.1.0', deadline: Date.now() / 1000 + 600 });
    expect((await guard()).code).toBe(0);
    expect(r.readTrial()).toBeNull();
    expect(r.readOutcome()).toBeNull();
    expect(readlinkSync(join(root, 'current'))).toBe('1.0.0');
  });

  it('keeps two versions: the running one and the one it came from', () => {
    const r = at();
    expect(r.prune(['1.1.0'])).toEqual([]);
    mkdirSync(join(root, '0.9.0'));
    writeFileSync(join(root, '0.9.0', 'VERSION'), '0.9.0\n');
    expect(r.prune(['1.1.0'])).toEqual(['0.9.0']);
    expect(existsSync(join(root, '1.0.0', 'VERSION'))).toBe(true);
  });
});
