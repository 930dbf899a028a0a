// The signed release manifest (gateway/fleet/release.ts): only the keys a box trusts, only for its
// architecture, never older unless the manifest says so, never a storage format a rollback could not read.
import { describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import { acceptRelease, compareVersions, describeBundle, signRelease, type SignedRelease } from '../../gateway/fleet/release.js';
import { releaseKey } from '../helpers/release.js';

const key = releaseKey();
const other = releaseKey();
const trusted = [createPublicKey(key.publicPem)];
const box = { version: '1.2.0', arch: 'arm64' };
const bytes = Buffer.alloc(300 * 1024, 7);

function signed(o: Partial<Parameters<typeof describeBundle>[1]> = {}, by = key): SignedRelease {
  const m = describeBundle(bytes, { version: '1.3.0', arch: 'arm64', file: 'jiuxiao-gateway-1.3.0-linux-arm64.tar.gz', chunkSize: 64 * 1024, ...o });
  return signRelease(m, by.privatePem);
}

const code = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
};

describe('release manifest', () => {
  it('describes a bundle chunk by chunk and accepts it signed by a trusted key', () => {
    const r = signed();
    const m = acceptRelease(r, trusted, box);
    expect(m).toMatchObject({ version: '1.3.0', size: bytes.length, chunkSize: 65536, storage: { outbox: 1, state: 1 }, allowDowngrade: false });
    expect(m.chunks).toHaveLength(5);
  });

  it('refuses with a code and a reason: no key, another key, a changed byte, another architecture, the same version, older, another storage format', () => {
    expect(code(() => acceptRelease(signed(), [], box))).toMatch(/^noKey: no release key is installed/);
    expect(code(() => acceptRelease(signed({}, other), trusted, box))).toMatch(/^badSignature: the release is not signed by a key this gateway trusts/);
    const r = signed();
    expect(code(() => acceptRelease({ ...r, manifest: r.manifest.replace('1.3.0', '1.3.1') }, trusted, box))).toMatch(/^badSignature/);
    expect(code(() => acceptRelease({ ...r, signature: 'AAAA' }, trusted, box))).toMatch(/^badSignature/);
    expect(code(() => acceptRelease(signed({ arch: 'x64' }), trusted, box))).toBe('otherArch: the release 1.3.0 is for x64; this gateway runs on arm64');
    expect(code(() => acceptRelease(signed({ version: '1.2.0' }), trusted, box))).toBe('sameVersion: version 1.2.0 is the one running');
    expect(code(() => acceptRelease(signed({ version: '1.1.9' }), trusted, box))).toBe(
      'downgrade: 1.1.9 is older than the running 1.2.0 and its manifest does not allow a downgrade',
    );
    expect(code(() => acceptRelease(signed({ version: '1.1.9', allowDowngrade: true }), trusted, box))).toBe('accepted');
    expect(code(() => acceptRelease(signed({ storage: { outbox: 1, state: 2 } }), trusted, box))).toMatch(
      /^storageFormat: the release changes the state format \(1 → 2\)/,
    );
  });

  it('refuses a signed manifest that is malformed, naming the field', () => {
    const bad = (patch: Record<string, unknown>) => {
      const m = { ...JSON.parse(signed().manifest), ...patch };
      return code(() => acceptRelease(signRelease(m, key.privatePem), trusted, box));
    };
    expect(bad({ product: 'other' })).toBe('otherProduct: the release is for "other", not jiuxiao-gateway');
    expect(bad({ version: 'latest' })).toBe('badManifest: release manifest: version "latest" is not MAJOR.MINOR.PATCH[-pre]');
    expect(bad({ chunks: [] })).toMatch(/^badManifest: release manifest: chunks must be 5 SHA-256 hex digests/);
    expect(bad({ file: '../../etc/passwd' })).toMatch(/^badManifest: release manifest: file "..\/..\/etc\/passwd" is not a bundle name/);
    expect(bad({ chunkSize: 1024 })).toMatch(/^badManifest: release manifest: chunkSize is below 65536/);
  });

  it('orders versions as semver does: a pre-release before its release', () => {
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.2.3-rc.1', '1.2.3')).toBe(-1);
    expect(compareVersions('1.2.3', '1.2.3-rc.1')).toBe(1);
    expect(compareVersions('2.0.0', '10.0.0')).toBe(-1);
  });
});
