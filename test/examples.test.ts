// The example configs are what installers copy: each must pass check-config with no warnings and
// derive the colour its comment promises.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../config/index.js';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';

const DIR = join(import.meta.dirname, '..', 'config', 'examples');

const EXPECTED: Record<string, { colour: string; rules: string[] }> = {
  'hotpot-restaurant.yaml': { colour: 'red', rules: ['flammables-and-crowded', 'heavy-gas-use'] },
  'small-hotel.yaml': { colour: 'orange', rules: ['crowded'] },
  'barber-shop.yaml': { colour: 'yellow', rules: ['neither'] },
  'fireworks-store.yaml': { colour: 'orange', rules: ['flammables'] },
  'fireworks-store-three-in-one.yaml': { colour: 'red', rules: ['mixed-use'] },
  'kindergarten.yaml': { colour: 'orange', rules: ['crowded'] },
  'simulated-venue.yaml': { colour: 'red', rules: ['flammables-and-crowded', 'heavy-gas-use'] },
};

describe('config/examples', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !f.endsWith('.sim.yaml'));

  it('every example has an expected colour here', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} passes check-config cleanly and is ${EXPECTED[file]?.colour}`, () => {
      const r = loadConfigFile(join(DIR, file), { builtinProfiles: BUILTIN_PROFILES, env: {} });
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([]);
      expect(r.status).toBe('ok');
      expect(r.risk?.colour).toBe(EXPECTED[file]?.colour);
      expect(r.risk?.reasons.map((x) => x.rule)).toEqual(EXPECTED[file]?.rules);
    });
  }
});

describe('driver sample configs', () => {
  it('drivers/transport/sample.yaml passes check-config cleanly', () => {
    const r = loadConfigFile(join(DIR, '..', '..', 'drivers', 'transport', 'sample.yaml'), { builtinProfiles: BUILTIN_PROFILES, env: {} });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.buses.map((b) => b.type)).toEqual(['rtu', 'rtu-over-tcp', 'tcp']);
  });
});

describe('output sample config', () => {
  it('drivers/outputs/sample.yaml passes check-config cleanly', () => {
    const r = loadConfigFile(join(DIR, '..', '..', 'drivers', 'outputs', 'sample.yaml'), { builtinProfiles: BUILTIN_PROFILES, env: {} });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});
