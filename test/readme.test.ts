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
    for (const m of README.matchAll(/config\/examples\/[\w.-]+\.yaml/g)) {
      expect(() => readFileSync(join(import.meta.dirname, '..', m[0]))).not.toThrow();
    }
  });
});
