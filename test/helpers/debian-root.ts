// A clean Debian bookworm root of another architecture, run here under qemu-user (binfmt), for the
// release tests: made once by debootstrap (minbase and systemd, as on a box) and kept as a tar in the
// release cache; each test gets a fresh copy. Commands run in it with `chroot`, sharing the host's
// network, or with `unshare -n` to prove that what they do needs none.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');
export const RELEASE_CACHE = process.env.JX_RELEASE_CACHE ?? join(REPO, '.release-cache');

/** Why a root of `debArch` cannot be made and run here, or undefined if it can. */
export function cannotRunForeignRoot(debArch: 'arm64'): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (debootstrap, chroot and unshare need root)';
  for (const [tool, pkg] of [
    ['debootstrap', 'debootstrap'],
    ['dpkg-deb', 'dpkg'],
    ['unshare', 'util-linux'],
    ['aarch64-linux-gnu-g++', 'crossbuild-essential-arm64'],
  ]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install --no-install-recommends ${pkg})`;
  }
  const binfmt = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
  if (!existsSync(binfmt) || !readFileSync(binfmt, 'utf8').startsWith('enabled'))
    return `${debArch} binaries do not run here: no enabled ${binfmt} (apt-get install qemu-user-static binfmt-support; mount binfmt_misc)`;
  return undefined;
}

/** Runs a command to completion; throws with its output if it fails. */
export function must(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024, input: opts.input });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  return r.stdout;
}

/** The same without blocking this process (the simulator a gateway polls may live in it). */
export function run(cmd: string, args: string[], timeoutMs = 300_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * A fresh bookworm root of `debArch` in `dir` (debootstrap the first time, then from the cached tar).
 * Asynchronous, its output to a log file: it can run while this process blocks on a build.
 */
export async function freshRoot(debArch: 'arm64', dir: string): Promise<{ made: boolean; seconds: number }> {
  const t0 = performance.now();
  const tar = join(RELEASE_CACHE, 'rootfs', `bookworm-${debArch}-minbase-systemd.tar`);
  let made = false;
  if (!existsSync(tar)) {
    const build = `${dir}.debootstrap`;
    rmSync(build, { recursive: true, force: true });
    mkdirSync(join(RELEASE_CACHE, 'rootfs'), { recursive: true });
    const mirror = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
    const log = `${tar}.log`;
    const fd = openSync(log, 'w');
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn('debootstrap', [`--arch=${debArch}`, '--variant=minbase', '--include=systemd', 'bookworm', build, mirror], { stdio: ['ignore', fd, fd] });
      const t = setTimeout(() => p.kill('SIGKILL'), 1_200_000);
      p.once('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    closeSync(fd);
    if (code !== 0) throw new Error(`debootstrap of a ${debArch} root failed (${code}):\n${readFileSync(log, 'utf8').slice(-3000)}`);
    const packed = await run('tar', ['-C', build, '-cf', `${tar}.part`, '.']);
    if (packed.status !== 0) throw new Error(`tar of the new root failed: ${packed.stderr}`);
    renameSync(`${tar}.part`, tar);
    rmSync(build, { recursive: true, force: true });
    made = true;
  }
  mkdirSync(dir, { recursive: true });
  const unpacked = await run('tar', ['-C', dir, '-xf', tar]);
  if (unpacked.status !== 0) throw new Error(`unpacking ${tar} failed: ${unpacked.stderr}`);
  return { made, seconds: (performance.now() - t0) / 1000 };
}

/** The [Service] settings of a unit file, each key with all its values in order. */
export function serviceSettings(unitText: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

/** A user's or group's numeric id in the root's own /etc/passwd or /etc/group. */
export function idIn(rootDir: string, file: 'passwd' | 'group', name: string): number {
  const line = readFileSync(join(rootDir, 'etc', file), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${file === 'passwd' ? 'user' : 'group'} ${name} in ${rootDir}/etc/${file}`);
  return Number(line.split(':')[2]);
}

/**
 * Starts a command in the root the way the installed unit starts its service: as its User, Group and
 * SupplementaryGroups, with its UMask, in an environment holding only what systemd gives a service plus its
 * EnvironmentFile and Environment lines (and `systemdEnv`: NOTIFY_SOCKET, WATCHDOG_USEC); /proc mounted in a mount namespace of its own. The process
 * execs through, so the child's pid is the command's (the gateway's: send it SIGTERM as systemd would).
 */
export function startAsUnit(rootDir: string, unit: Map<string, string[]>, argv: string[], scratch: string, systemdEnv: string[] = []): ChildProcess {
  const user = unit.get('User')?.[0] ?? 'root';
  const group = unit.get('Group')?.[0] ?? user;
  const groups = (unit.get('SupplementaryGroups') ?? []).flatMap((g) => g.split(/\s+/)).filter(Boolean);
  const env = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOME=${user === 'root' ? '/root' : idHome(rootDir, user)}`,
    `USER=${user}`,
    `LOGNAME=${user}`,
    'LANG=C.UTF-8',
    ...systemdEnv,
  ];
  for (const spec of unit.get('EnvironmentFile') ?? []) {
    const path = join(rootDir, spec.replace(/^-/, ''));
    if (!existsSync(path)) {
      if (spec.startsWith('-')) continue;
      throw new Error(`EnvironmentFile ${spec} is missing: systemd would refuse to start the unit`);
    }
    for (const l of readFileSync(path, 'utf8').split('\n')) if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(l.trim())) env.push(l.trim());
  }
  for (const e of unit.get('Environment') ?? []) env.push(...e.split(/\s+/).filter(Boolean));
  const script = join(scratch, 'as-unit.sh');
  writeFileSync(
    script,
    [
      'set -e',
      'root=$1 ids=$2 groups=$3 mask=$4; shift 4',
      'mount -t proc proc "$root/proc"',
      'umask "$mask"',
      'exec chroot --userspec="$ids" --groups="$groups" "$root" /usr/bin/env -i "$@"',
      '',
    ].join('\n'),
  );
  const ids = `${idIn(rootDir, 'passwd', user)}:${idIn(rootDir, 'group', group)}`;
  const gids = groups.map((g) => idIn(rootDir, 'group', g)).join(',');
  return spawn('unshare', ['--mount', '--propagation', 'private', 'sh', script, rootDir, ids, gids, unit.get('UMask')?.[0] ?? '0022', ...env, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function idHome(rootDir: string, user: string): string {
  const line = readFileSync(join(rootDir, 'etc', 'passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  return line?.split(':')[5] ?? '/';
}

/** Resident memory of a process in MB (VmRSS), or undefined once it is gone. */
export function rssMB(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
