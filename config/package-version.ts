// The package version, read from package.json so it cannot drift from the release. It lives in config/,
// the lowest layer, so both bins (gateway and simulator) can use it without crossing the layering.
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  // Source: config/package-version.ts; compiled: dist/config/package-version.js. Try both depths.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'jiuxiao-gateway' && pkg.version) return pkg.version;
    } catch {
      // try the next depth
    }
  }
  return 'unknown';
}
