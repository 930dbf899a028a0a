// deploy/: the systemd unit is valid for systemd (paths pointed at this checkout and this Node), and the
// commands it runs are the ones the build makes. The unit as the .deb installs it, with its installed paths,
// is verified in test/release/.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    writeFileSync(
      file,
      unit
        .replaceAll('/opt/jiuxiao-gateway/current/bin/jiuxiao-gateway', join(ROOT, 'deploy/release/launcher.sh'))
        .replaceAll('/opt/jiuxiao-gateway/current/bin/node', process.execPath)
        .replaceAll('/opt/jiuxiao-gateway/current', ROOT),
    );
    const r = await runCommand('systemd-analyze', ['verify', file]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs check-config before run, on the built CLI, and stops by SIGTERM with time to flush', () => {
    const exec = (key: string) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1] ?? '';
    const pre = [...unit.matchAll(/^ExecStartPre=(.*)$/gm)].map((m) => m[1]);
    // The boot guard of software updates first, then the config checked by whichever version is current.
    expect(pre[0]).toBe('/opt/jiuxiao-gateway/current/bin/jiuxiao-gateway boot-guard');
    expect(pre[1]).toMatch(/dist\/gateway\/cli\/main\.js check-config \/etc\/jiuxiao-gateway\/gateway\.yaml$/);
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

// The unit's ProtectKernelTunables= makes /sys read-only for the service; ReadWritePaths= opens parts of it
// again. onoff exports a line in /sys/class/gpio but writes its direction and value through the link
// /sys/class/gpio/gpioN -> /sys/devices/platform/…/gpioN, outside class/gpio. This machine has no GPIO, so
// the layout of a Raspberry Pi 4 (chip base 512, line 17 = gpio529) is laid on tmpfs in a mount namespace of
// its own, then made read-only and reopened path by path as systemd does for those two settings, and the
// gateway's own GPIO driver (GpioOutput, through onoff) drives the line on, as an unprivileged user in the
// group that the udev rule of the .deb gives the files.
const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)(`the unit's sandbox lets the GPIO driver drive a line${isRoot ? '' : ' (skipped: needs root for mount namespaces)'}`, () => {
  const readWritePaths = (text: string) =>
    [...text.matchAll(/^ReadWritePaths=(.*)$/gm)].flatMap((m) => m[1]!.split(/\s+/)).map((p) => ({ path: p.replace(/^-/, ''), optional: p.startsWith('-') }));
  const driveLine = async (rw: { path: string; optional: boolean }[]) => {
    const gid = 4242;
    chmodSync(dir, 0o755); // the unprivileged user reads the driver script from here
    const script = join(dir, 'gpio-sandbox.sh');
    const driver = join(dir, 'drive.mjs');
    writeFileSync(
      driver,
      `import { readFileSync } from 'node:fs';\n` +
        `import { GpioOutput } from ${JSON.stringify(join(ROOT, 'dist/drivers/outputs/gpio.js'))};\n` +
        `const o = new GpioOutput(17, { activeLow: false });\nconst r = await o.set('on');\nconsole.log('read back', r.readBack);\n` +
        // A stop lets go of the line and leaves it driven (a fan held on through a restart): never unexported.
        `await o.close();\nconst file = (f) => readFileSync(f, 'utf8').trim();\n` +
        `console.log('after close: value', file('/sys/class/gpio/gpio529/value'), 'unexported', JSON.stringify(file('/sys/class/gpio/unexport')));\n`,
    );
    writeFileSync(
      script,
      [
        'set -e',
        // A Raspberry Pi 4's sysfs GPIO, line 17 already exported, files as the udev rule leaves them.
        'mount -t tmpfs tmpfs /sys/class && mount -t tmpfs tmpfs /sys/devices/platform',
        'mkdir -p /sys/class/gpio/gpiochip512 /sys/devices/platform/soc/fe200000.gpio/gpio/gpio529',
        'echo 512 >/sys/class/gpio/gpiochip512/base; echo pinctrl-bcm2711 >/sys/class/gpio/gpiochip512/label; echo 58 >/sys/class/gpio/gpiochip512/ngpio',
        'touch /sys/class/gpio/export /sys/class/gpio/unexport',
        'cd /sys/devices/platform/soc/fe200000.gpio/gpio/gpio529 && echo in >direction && echo 0 >value && echo 0 >active_low && echo none >edge',
        `chgrp ${gid} direction value active_low edge && chmod 0660 direction value active_low edge && cd /`,
        'ln -s ../../devices/platform/soc/fe200000.gpio/gpio/gpio529 /sys/class/gpio/gpio529',
        // ProtectKernelTunables=yes: all of /sys read-only (here: the parts laid above).
        'for m in /sys/class /sys/devices/platform; do mount -o remount,bind,ro "$m"; done',
        // ReadWritePaths=: each path bound over itself and made writable again; `-` paths may be missing.
        'while [ $# -gt 1 ]; do p=$1 optional=$2; shift 2',
        '  if [ ! -e "$p" ]; then [ "$optional" = 1 ] && continue; echo "missing $p"; exit 226; fi',
        '  mount --bind "$p" "$p" && mount -o remount,bind,rw "$p"',
        'done',
        // Reading the checkout may need more than "other" may do (CI clones anywhere): read, never write, rights.
        `exec setpriv --reuid=65534 --regid=65534 --groups=${gid} --inh-caps=+dac_read_search --ambient-caps=+dac_read_search ${process.execPath} ${driver}`,
        '',
      ].join('\n'),
    );
    return runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', script, ...rw.flatMap((p) => [p.path, p.optional ? '1' : '0'])]);
  };

  it('the unit as shipped: the value is written through the link and read back', async () => {
    const r = await driveLine(readWritePaths(unit));
    expect(r.stdout + r.stderr).toMatch(/read back on/);
    expect(r.stdout).toMatch(/after close: value 1 unexported ""/);
    expect(r.code).toBe(0);
  });

  it('with /sys/class/gpio alone writable (the unit before), the write fails read-only: the reason for the second path', async () => {
    const r = await driveLine([{ path: '/sys/class/gpio', optional: false }]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/EROFS|read-only file system/i);
  });
});
