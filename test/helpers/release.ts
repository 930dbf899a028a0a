// Release bundles for update tests, made in a second from the built dist/ (deploy/release/build.sh takes
// minutes and is tested by itself): the real launcher, the real dist, this machine's Node and node_modules
// linked in, VERSION, the test's release key, SHA256SUMS — packed as build.sh packs a bundle, and signed.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, relative } from 'node:path';
import { describeBundle, signRelease, type ReleaseManifest, type SignedRelease } from '../../gateway/fleet/release.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ReleaseKey {
  privatePem: string;
  publicPem: string;
}

export function releaseKey(): ReleaseKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface TestRelease {
  /** The bundle file (jiuxiao-gateway-V-linux-ARCH.tar.gz). */
  file: string;
  name: string;
  version: string;
  manifest: ReleaseManifest;
  signed: SignedRelease;
}

export interface BundleOptions {
  out: string;
  version: string;
  /** The key the bundle trusts (keys/release.pem) and the key that signs it. */
  trusts: ReleaseKey;
  signedBy?: ReleaseKey;
  arch?: string;
  /** `run` exits at once, before anything: a release that crashes at start. */
  crashAtStart?: boolean;
  /** Its launcher points the uplink at a dead port: a release that starts and acts but never connects. */
  brokenUplink?: boolean;
  allowDowngrade?: boolean;
  chunkSize?: number;
  storage?: ReleaseManifest['storage'];
}

export function makeRelease(o: BundleOptions): TestRelease {
  const arch = o.arch ?? process.arch;
  const name = `jiuxiao-gateway-${o.version}-linux-${arch}`;
  const work = join(o.out, `.build-${o.version}`);
  const b = join(work, name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(b, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'deploy/release/launcher.sh'), join(b, 'bin/jiuxiao-gateway'));
  if (o.brokenUplink) {
    const l = join(b, 'bin/jiuxiao-gateway');
    writeFileSync(l, readFileSync(l, 'utf8').replace(/^exec /m, 'export JX_MQTT_URL=mqtt://127.0.0.1:9\nexec '));
  }
  chmodSync(join(b, 'bin/jiuxiao-gateway'), 0o755);
  symlinkSync(process.execPath, join(b, 'bin/node'));
  symlinkSync(join(ROOT, 'node_modules'), join(b, 'node_modules'));
  for (const d of ['config', 'drivers', 'gateway', 'simulator']) cpSync(join(ROOT, 'dist', d), join(b, 'dist', d), { recursive: true });
  if (o.crashAtStart) {
    const main = join(b, 'dist/gateway/cli/main.js');
    const [first, ...rest] = readFileSync(main, 'utf8').split('\n');
    writeFileSync(main, [first, "if (process.argv[2] === 'run') { console.error('this release crashes at start'); process.exit(70); }", ...rest].join('\n'));
  }
  writeFileSync(join(b, 'package.json'), JSON.stringify({ name: 'jiuxiao-gateway', version: o.version, type: 'module' }));
  writeFileSync(join(b, 'VERSION'), `${o.version}\n`);
  mkdirSync(join(b, 'keys'));
  writeFileSync(join(b, 'keys/release.pem'), o.trusts.publicPem);
  const files = walk(b).sort();
  writeFileSync(
    join(b, 'SHA256SUMS'),
    files
      .map(
        (f) =>
          `${createHash('sha256')
            .update(readFileSync(join(b, f)))
            .digest('hex')}  ${f}\n`,
      )
      .join(''),
  );
  const file = join(o.out, `${name}.tar.gz`);
  execFileSync('tar', ['-C', work, '--owner=0', '--group=0', '--numeric-owner', '-czf', file, name]);
  rmSync(work, { recursive: true, force: true });
  const manifest = describeBundle(readFileSync(file), {
    version: o.version,
    arch,
    file: `${name}.tar.gz`,
    ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
    ...(o.allowDowngrade ? { allowDowngrade: true } : {}),
    ...(o.storage ? { storage: o.storage } : {}),
  });
  return { file, name, version: o.version, manifest, signed: signRelease(manifest, (o.signedBy ?? o.trusts).privatePem) };
}

/** Regular files under a folder (links are not followed: they are this machine's Node and modules). */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = lstatSync(p);
    return st.isDirectory() ? walk(p, base) : st.isFile() ? [relative(base, p)] : [];
  });
}

/** An install root as the .deb leaves it: the release unpacked under VERSION, `current` naming it. */
export function installRoot(dir: string, r: TestRelease): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', r.file, '-C', dir]);
  execFileSync('mv', [join(dir, r.name), join(dir, r.version)]);
  symlinkSync(r.version, join(dir, 'current'));
  return dir;
}

/**
 * Serves one bundle file by byte ranges on loopback, as a mirror in front of the platform would: it may
 * wait before each answer, drop every n-th request halfway through its answer, or flip one byte.
 * Counts the bytes it sent.
 */
export async function serveBundle(
  file: string,
  o: { dropEvery?: number; corruptAt?: number; delayMs?: number } = {},
): Promise<{ url: string; bytes: number; close(): Promise<void> }> {
  const bundle = readFileSync(file);
  let n = 0;
  const state = { bytes: 0 };
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(416).end();
      return;
    }
    const from = Number(m[1]);
    const to = Math.min(Number(m[2]), bundle.length - 1);
    const body = Buffer.from(bundle.subarray(from, to + 1));
    const at = o.corruptAt;
    if (at !== undefined && at >= from && at <= to) body[at - from] = (body[at - from] as number) ^ 0xff;
    res.writeHead(206, { 'Content-Length': body.length, 'Content-Range': `bytes ${from}-${to}/${bundle.length}` });
    if (o.dropEvery && n % o.dropEvery === 0) {
      const half = body.subarray(0, body.length >> 1);
      state.bytes += half.length;
      res.write(half, () => res.destroy());
      return;
    }
    state.bytes += body.length;
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    n++;
    setTimeout(() => answer(req, res), o.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${basename(file)}`,
    get bytes() {
      return state.bytes;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
