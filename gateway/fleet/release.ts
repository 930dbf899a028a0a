// A software release as the platform offers it: the per-architecture bundle (deploy/release) described by
// a manifest — version, architecture, size, SHA-256 of the whole file and of each chunk, the storage
// formats it reads — signed with Ed25519 by the project's release key. The box trusts only the public
// keys installed with its own bundle (`keys/*.pem`): a manifest signed by any other key, or changed by a
// single byte, is refused before anything is downloaded. The chunk hashes let a download over a flaky
// link be checked and resumed chunk by chunk (download.ts).

import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Formats of what the box keeps on disk. A release that changes one is installed on site: the previous
 *  version could not read what the new one wrote, so a rollback would lose the outbox. */
export const STORAGE_FORMATS = { outbox: 1, state: 1 } as const;

const MANIFEST_FORMAT = 1;
/** Chunk size bounds: small enough to resend cheaply over a cellular link, few enough to fit a command. */
const MIN_CHUNK = 64 * 1024;
const MAX_CHUNKS = 160;

export interface ReleaseManifest {
  format: typeof MANIFEST_FORMAT;
  product: 'jiuxiao-gateway';
  version: string;
  /** Node's name for the architecture: x64, arm64. */
  arch: string;
  /** The bundle's file name: jiuxiao-gateway-V-linux-ARCH.tar.gz. */
  file: string;
  size: number;
  sha256: string;
  chunkSize: number;
  chunks: string[];
  storage: { outbox: number; state: number };
  /** Set by whoever signs a bundle meant to replace a newer version. */
  allowDowngrade: boolean;
}

/** What the platform sends: the manifest's exact bytes (as text) and their signature. */
export interface SignedRelease {
  manifest: string;
  /** Ed25519 signature of the manifest's UTF-8 bytes, base64. */
  signature: string;
}

export class ReleaseError extends Error {
  constructor(
    readonly code: 'noKey' | 'badSignature' | 'badManifest' | 'otherProduct' | 'otherArch' | 'sameVersion' | 'downgrade' | 'storageFormat',
    message: string,
  ) {
    super(message);
    this.name = 'ReleaseError';
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** The public keys a box trusts: every `*.pem` in its bundle's `keys/` folder. */
export function trustedKeys(dir: string): KeyObject[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pem'));
  } catch {
    return [];
  }
  const keys: KeyObject[] = [];
  for (const n of names.sort()) {
    try {
      const k = createPublicKey(readFileSync(join(dir, n)));
      if (k.asymmetricKeyType === 'ed25519') keys.push(k);
    } catch {
      // An unreadable key file trusts nothing; the others still count.
    }
  }
  return keys;
}

/** Signs a manifest with an Ed25519 private key (PEM): what the release build does. */
export function signRelease(m: ReleaseManifest, privateKeyPem: string): SignedRelease {
  const manifest = JSON.stringify(m);
  const key = createPrivateKey(privateKeyPem);
  return { manifest, signature: sign(null, Buffer.from(manifest, 'utf8'), key).toString('base64') };
}

/** The manifest of a bundle file, chunked: the release build's and the tests' one way to describe it. */
export function describeBundle(
  bytes: Buffer,
  o: { version: string; arch: string; file: string; chunkSize?: number; allowDowngrade?: boolean; storage?: ReleaseManifest['storage'] },
): ReleaseManifest {
  const chunkSize = Math.max(MIN_CHUNK, o.chunkSize ?? Math.max(1024 * 1024, Math.ceil(bytes.length / MAX_CHUNKS)));
  const chunks: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(sha256(bytes.subarray(at, at + chunkSize)));
  return {
    format: MANIFEST_FORMAT,
    product: 'jiuxiao-gateway',
    version: o.version,
    arch: o.arch,
    file: o.file,
    size: bytes.length,
    sha256: sha256(bytes),
    chunkSize,
    chunks,
    storage: o.storage ?? { ...STORAGE_FORMATS },
    allowDowngrade: o.allowDowngrade ?? false,
  };
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Checks a signed release against the keys the box trusts and against the box itself: signature first
 * (nothing of an unsigned manifest is believed), then what it is for. Throws a ReleaseError naming
 * what is wrong; returns the manifest when the box may take it.
 */
export function acceptRelease(
  r: SignedRelease,
  keys: readonly KeyObject[],
  box: { version: string; arch: string; storage?: ReleaseManifest['storage'] },
): ReleaseManifest {
  if (!keys.length)
    throw new ReleaseError('noKey', 'no release key is installed with this gateway (keys/*.pem in its bundle): it takes no software from the platform');
  const sig = Buffer.from(r.signature, 'base64');
  const bytes = Buffer.from(r.manifest, 'utf8');
  if (sig.length !== 64 || !keys.some((k) => verify(null, bytes, k, sig)))
    throw new ReleaseError('badSignature', 'the release is not signed by a key this gateway trusts (or was changed after signing)');
  const m = parseManifest(r.manifest);
  if (m.arch !== box.arch) throw new ReleaseError('otherArch', `the release ${m.version} is for ${m.arch}; this gateway runs on ${box.arch}`);
  const order = compareVersions(m.version, box.version);
  if (order === 0) throw new ReleaseError('sameVersion', `version ${m.version} is the one running`);
  if (order < 0 && !m.allowDowngrade)
    throw new ReleaseError('downgrade', `${m.version} is older than the running ${box.version} and its manifest does not allow a downgrade`);
  const storage = box.storage ?? STORAGE_FORMATS;
  for (const k of ['outbox', 'state'] as const) {
    if (m.storage[k] !== storage[k])
      throw new ReleaseError(
        'storageFormat',
        `the release changes the ${k} format (${storage[k]} → ${m.storage[k]}): the previous version could not read it after a rollback; install it on site`,
      );
  }
  return m;
}

function parseManifest(text: string): ReleaseManifest {
  let m: Partial<ReleaseManifest>;
  try {
    m = JSON.parse(text) as Partial<ReleaseManifest>;
  } catch {
    throw new ReleaseError('badManifest', 'the release manifest is not JSON');
  }
  const bad = (what: string) => new ReleaseError('badManifest', `release manifest: ${what}`);
  if (m === null || typeof m !== 'object') throw bad('not an object');
  if (m.format !== MANIFEST_FORMAT) throw bad(`format ${String(m.format)} is not ${MANIFEST_FORMAT}`);
  if (m.product !== 'jiuxiao-gateway') throw new ReleaseError('otherProduct', `the release is for "${String(m.product)}", not jiuxiao-gateway`);
  if (typeof m.version !== 'string' || !VERSION.test(m.version)) throw bad(`version "${String(m.version)}" is not MAJOR.MINOR.PATCH[-pre]`);
  if (typeof m.arch !== 'string' || !/^[a-z0-9]+$/.test(m.arch)) throw bad('arch is missing');
  if (typeof m.file !== 'string' || !/^[\w.+-]+\.tar\.gz$/.test(m.file)) throw bad(`file "${String(m.file)}" is not a bundle name`);
  if (!Number.isSafeInteger(m.size) || (m.size as number) <= 0) throw bad('size is not a positive integer');
  if (typeof m.sha256 !== 'string' || !HEX64.test(m.sha256)) throw bad('sha256 is not 64 hex digits');
  if (!Number.isSafeInteger(m.chunkSize) || (m.chunkSize as number) < MIN_CHUNK) throw bad(`chunkSize is below ${MIN_CHUNK}`);
  const want = Math.ceil((m.size as number) / (m.chunkSize as number));
  if (!Array.isArray(m.chunks) || m.chunks.length !== want || m.chunks.some((c) => typeof c !== 'string' || !HEX64.test(c)))
    throw bad(`chunks must be ${want} SHA-256 hex digests (size / chunkSize)`);
  if (want > MAX_CHUNKS) throw bad(`more than ${MAX_CHUNKS} chunks`);
  const s = m.storage;
  if (!s || !Number.isInteger(s.outbox) || !Number.isInteger(s.state)) throw bad('storage formats missing');
  if (typeof m.allowDowngrade !== 'boolean') throw bad('allowDowngrade is not true or false');
  return m as ReleaseManifest;
}

/** Orders MAJOR.MINOR.PATCH[-pre] versions: a pre-release comes before its release. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [core = '', pre] = v.split(/-(.*)/s);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
