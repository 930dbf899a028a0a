// Where the versions live: /opt/jiuxiao-gateway (the .deb's layout) holds one folder per version and the
// `current` link the unit and the CLI go through. A new version is unpacked beside the running one,
// checked file by file against its SHA256SUMS, moved into place in one rename, and made current in one
// rename of a new link over the old: a power cut at any moment leaves `current` naming a whole version.
// The small files beside them are read by the launcher's boot guard too (deploy/release/launcher.sh),
// so they are lines of key=value that a shell can read:
//   trial          the version on trial, the one it came from, its deadline (epoch seconds)
//   trial.starts   one line per start of the version on trial (the guard counts them: crash loop)
//   outcome        how the last update ended, for the version that runs next to report it
//   .update/       the update under way: its signed manifest and the bundle as it downloads

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomic } from '../storage/atomic-file.js';

/** In a version's folder: the SHA-256 of the bundle it was unpacked from (not in SHA256SUMS). */
const RELEASE_MARK = '.bundle-sha256';

export interface Trial {
  from: string;
  to: string;
  /** Epoch seconds: not healthy by then, the previous version comes back. */
  deadline: number;
}

export interface Outcome {
  version: string;
  from: string;
  state: 'kept' | 'rolled-back' | 'failed';
  reason: string;
}

/** The bundle this code runs from: dist/gateway/fleet/ is three folders below it. */
export function ownBundle(): string {
  return fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
}

export class InstallRoot {
  private constructor(
    readonly dir: string,
    /** The folder name of the version running (the bundle this code is in). */
    readonly running: string,
  ) {}

  /**
   * The install root around a bundle, or why there is none: a gateway run from a checkout or from
   * npm has no versions beside it and takes no software from the platform.
   */
  static around(bundle: string): InstallRoot | string {
    const dir = dirname(bundle);
    let target: string;
    try {
      target = readlinkSync(join(dir, 'current'));
    } catch {
      return `not installed from a release bundle (no ${join(dir, 'current')} link beside ${bundle})`;
    }
    const running = basename(bundle);
    if (basename(target) !== running && !existsSync(join(dir, 'trial')))
      return `${join(dir, 'current')} names ${target}, not the running ${running}: an update is half done by hand`;
    return new InstallRoot(dir, running);
  }

  get updateDir(): string {
    return join(this.dir, '.update');
  }

  current(): string {
    return basename(readlinkSync(join(this.dir, 'current')));
  }

  has(version: string): boolean {
    return existsSync(join(this.dir, version, 'VERSION'));
  }

  /** Whether this version's folder was unpacked from this very bundle (a restart after the unpack). */
  unpacked(version: string, bundleSha256: string): boolean {
    try {
      return readFileSync(join(this.dir, version, RELEASE_MARK), 'utf8').trim() === bundleSha256;
    } catch {
      return false;
    }
  }

  /**
   * Unpacks a verified bundle beside the running version and checks every file against its
   * SHA256SUMS before the folder gets its name; the folder is marked with the bundle's SHA-256. A folder
   * already unpacked from the same bundle, and still whole, is kept; any other of that name is replaced.
   */
  async unpack(bundleFile: string, version: string, bundleSha256: string): Promise<void> {
    const dest = join(this.dir, version);
    if (this.unpacked(version, bundleSha256) && (await verifySums(dest)) === null) return;
    const tmp = join(this.dir, `.unpack-${version}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await run('tar', ['-xzf', bundleFile, '-C', tmp, '--no-same-owner']);
    const tops = readdirSync(tmp);
    if (tops.length !== 1) throw new Error(`the bundle holds ${tops.length} top folders, not one`);
    const top = join(tmp, tops[0] as string);
    const wrong = await verifySums(top);
    if (wrong) throw new Error(`the unpacked bundle is not whole: ${wrong}`);
    const v = readFileSync(join(top, 'VERSION'), 'utf8').trim();
    if (v !== version) throw new Error(`the bundle says it is version ${v}, its manifest ${version}`);
    writeFileSync(join(top, RELEASE_MARK), `${bundleSha256}\n`);
    rmSync(dest, { recursive: true, force: true });
    renameSync(top, dest);
    rmSync(tmp, { recursive: true, force: true });
    syncDir(this.dir);
  }

  /** Points `current` at a version in one rename; the link is synced before and after. */
  switchTo(version: string): void {
    if (!this.has(version)) throw new Error(`no version ${version} in ${this.dir}`);
    const tmp = join(this.dir, '.current.new');
    rmSync(tmp, { force: true });
    symlinkSync(version, tmp);
    renameSync(tmp, join(this.dir, 'current'));
    syncDir(this.dir);
  }

  readTrial(): Trial | null {
    const kv = this.readKv('trial');
    if (!kv?.from || !kv.to || !kv.deadline) return null;
    return { from: kv.from, to: kv.to, deadline: Number(kv.deadline) };
  }

  writeTrial(t: Trial): void {
    rmSync(join(this.dir, 'trial.starts'), { force: true });
    this.writeKv('trial', { from: t.from, to: t.to, deadline: String(Math.ceil(t.deadline)) });
  }

  clearTrial(): void {
    rmSync(join(this.dir, 'trial'), { force: true });
    rmSync(join(this.dir, 'trial.starts'), { force: true });
  }

  readOutcome(): Outcome | null {
    const kv = this.readKv('outcome');
    if (!kv?.version || !kv.state) return null;
    return { version: kv.version, from: kv.from ?? '', state: kv.state as Outcome['state'], reason: kv.reason ?? '' };
  }

  writeOutcome(o: Outcome): void {
    this.writeKv('outcome', { version: o.version, from: o.from, state: o.state, reason: o.reason });
  }

  clearOutcome(): void {
    rmSync(join(this.dir, 'outcome'), { force: true });
  }

  /** Removes versions other than these (and never the running one): the box keeps two. */
  prune(keep: readonly string[]): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('.') || name === 'current' || keep.includes(name) || name === this.running) continue;
      if (!existsSync(join(this.dir, name, 'VERSION'))) continue;
      rmSync(join(this.dir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  private readKv(name: string): Record<string, string> | null {
    let text: string;
    try {
      text = readFileSync(join(this.dir, name), 'utf8');
    } catch {
      return null;
    }
    const kv: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
    }
    return kv;
  }

  /** Written whole and synced, then renamed into place: the guard never reads half a file. */
  private writeKv(name: string, kv: Record<string, string>): void {
    const text = Object.entries(kv)
      .map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}\n`)
      .join('');
    writeAtomic(join(this.dir, name), text);
    syncDir(this.dir);
  }
}

/**
 * Checks a bundle folder against its SHA256SUMS: null when whole, else the first file that is not. Files
 * are hashed as streams: the polling thread runs this, and Node alone is tens of megabytes.
 */
export async function verifySums(dir: string): Promise<string | null> {
  let sums: string;
  try {
    sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
  } catch {
    return 'no SHA256SUMS';
  }
  let n = 0;
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) continue;
    n++;
    const file = m[2] as string;
    if (file.split('/').includes('..')) return `${file}: a path outside the bundle`;
    let got: string;
    try {
      const h = createHash('sha256');
      await pipeline(createReadStream(join(dir, file)), h);
      got = h.digest('hex');
    } catch {
      return `${file} is missing`;
    }
    if (got !== m[1]) return `${file} differs from SHA256SUMS`;
  }
  return n ? null : 'SHA256SUMS lists no file';
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Not every file system syncs a directory; the rename itself is still atomic.
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${err.trim()}`))));
  });
}
