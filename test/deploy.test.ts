// deploy/: the systemd unit is valid for systemd (paths pointed at this checkout and this Node), and the
// commands it runs are the ones the build makes. The unit as the .deb installs it, with its installed paths,
// is verified in test/release/.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from './helpers/proc.js';

const ROOT = join(import.meta.dirname, '..');
const unit = readFileSync(join(ROOT, 'deploy/jiuxiao-gateway.service'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'jx-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/jiuxiao-gateway.service', () => {
  it('passes systemd-analyze verify', async () => {
    const file = join(dir, 'jiuxiao-gateway.service');
    writeFileSync(file, unit.replaceAll('/opt/jiuxiao-gateway/current/bin/node', process.execPath).replaceAll('/opt/jiuxiao-gateway/current', ROOT));
    const r = await runCommand('systemd-analyze', ['verify', file]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs check-config before run, on the built CLI, and stops by SIGTERM with time to flush', () => {
    const exec = (key: string) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1] ?? '';
    expect(exec('ExecStartPre')).toMatch(/dist\/gateway\/cli\/main\.js check-config \/etc\/jiuxiao-gateway\/gateway\.yaml$/);
    expect(exec('ExecStart')).toMatch(/dist\/gateway\/cli\/main\.js run --config \/etc\/jiuxiao-gateway\/gateway\.yaml$/);
    expect(existsSync(join(ROOT, 'dist/gateway/cli/main.js'))).toBe(true);
    expect(exec('KillSignal')).toBe('SIGTERM');
    expect(Number(exec('TimeoutStopSec'))).toBeGreaterThanOrEqual(10);
    expect(exec('Restart')).toBe('always');
    expect(unit).not.toMatch(/^Requires=.*network/m); // the gateway runs with the network down
    // The bundled Node, never a system one (Debian's is 18, below what the gateway needs).
    expect(exec('ExecStart')).toMatch(/^\/opt\/jiuxiao-gateway\/current\/bin\/node /);
    // No config yet: skipped, not failed in a restart loop.
    expect(exec('ConditionPathExists')).toBe('/etc/jiuxiao-gateway/gateway.yaml');
  });
});
