// Release keys and signed manifests for software updates (gateway/fleet/release.ts), on the build machine:
//
//   node dist/gateway/tools/release-sign.js key --out DIR
//       a new Ed25519 pair: DIR/release-key.pem (private, 0600: keep it off the boxes and out of git)
//       and DIR/release-key.pub.pem (public: `npm run release -- --public-key` puts it in the bundle)
//   node dist/gateway/tools/release-sign.js sign BUNDLE.tar.gz --key release-key.pem [--allow-downgrade] [--chunk-size BYTES]
//       writes BUNDLE.release.json: {manifest, signature}, what the platform sends with `update`
//
// The version and architecture come from the bundle's name (jiuxiao-gateway-V-linux-ARCH.tar.gz).

import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeBundle, signRelease } from '../fleet/release.js';

const USAGE = 'usage: release-sign key --out DIR | release-sign sign BUNDLE.tar.gz --key KEY.pem [--allow-downgrade] [--chunk-size BYTES]';

function main(argv: string[]): number {
  const { values: v, positionals: p } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, key: { type: 'string' }, 'allow-downgrade': { type: 'boolean' }, 'chunk-size': { type: 'string' } },
  });
  if (p[0] === 'key' && v.out) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    mkdirSync(v.out, { recursive: true });
    writeFileSync(join(v.out, 'release-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(v.out, 'release-key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    console.log(join(v.out, 'release-key.pub.pem'));
    return 0;
  }
  if (p[0] === 'sign' && p[1] && v.key) {
    const file = basename(p[1]);
    const m = /^jiuxiao-gateway-(.+)-linux-([a-z0-9]+)\.tar\.gz$/.exec(file);
    if (!m) throw new Error(`${file}: not a bundle name (jiuxiao-gateway-V-linux-ARCH.tar.gz)`);
    const chunkSize = v['chunk-size'] ? Number(v['chunk-size']) : undefined;
    const manifest = describeBundle(readFileSync(p[1]), {
      version: m[1] as string,
      arch: m[2] as string,
      file,
      allowDowngrade: v['allow-downgrade'] === true,
      ...(chunkSize ? { chunkSize } : {}),
    });
    const out = p[1].replace(/\.tar\.gz$/, '.release.json');
    writeFileSync(out, `${JSON.stringify(signRelease(manifest, readFileSync(v.key, 'utf8')), null, 2)}\n`);
    console.log(out);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`release-sign: ${(err as Error).message}`);
  process.exitCode = 1;
}
