// The README must stay true: its config example passes check-config, and the commands it names exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../config/index.js';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('the config in one glance is valid and red', () => {
    const block = /## Config in one glance\s+```yaml\n([\s\S]*?)```/.exec(README)?.[1];
    expect(block).toBeDefined();
    const r = loadConfigText(block as string, 'README.md', { builtinProfiles: BUILTIN_PROFILES, env: { MQTT_PASSWORD: 'x' } });
    expect(r.errors).toEqual([]);
    expect(r.risk?.colour).toBe('red');
  });

  it('names npm test as the single test command', () => {
    expect(README).toMatch(/## Tests\s+```sh\nnpm test\n```/);
    const ci = readFileSync(join(import.meta.dirname, '..', '.ci', 'run'), 'utf8');
    expect(ci.trim().split('\n').at(-1)).toBe('npm test');
  });

  it('every example file it names exists', () => {
    const named = [...README.matchAll(/config\/examples\/[\w.-]+\.yaml/g)].map((m) => m[0]);
    // Not vacuous: the README does name examples (the quick start and the demo).
    expect(named.length).toBeGreaterThan(3);
    for (const f of named) expect(() => readFileSync(join(import.meta.dirname, '..', f)), f).not.toThrow();
  });

  it('names exactly the Debian packages .ci/run installs', () => {
    const ci = readFileSync(join(import.meta.dirname, '..', '.ci', 'run'), 'utf8');
    const need = /^need=\(([^)]*)\)/m.exec(ci)?.[1]?.trim().split(/\s+/);
    const listed = /installed\s+from Debian: `([^`]+)`/.exec(README)?.[1]?.trim().split(/\s+/);
    expect(need).toContain('python3-serial-asyncio');
    expect(listed?.sort()).toEqual(need?.sort());
  });
});
