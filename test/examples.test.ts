// The example configs are what installers copy: each must pass check-config with no warnings and
// derive the colour its header comment promises (read from the file, so a new example needs no edit
// here; a file without the promise is named with what to do).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../config/index.js';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';

const DIR = join(import.meta.dirname, '..', 'config', 'examples');

// The risk rules each known example must trip (the colour itself is read from the file's own comment).
const RULES: Record<string, string[]> = {
  'hotpot-restaurant.yaml': ['flammables-and-crowded', 'heavy-gas-use'],
  'small-hotel.yaml': ['crowded'],
  'barber-shop.yaml': ['neither'],
  'fireworks-store.yaml': ['flammables'],
  'fireworks-store-three-in-one.yaml': ['mixed-use'],
  'kindergarten.yaml': ['crowded'],
  'simulated-venue.yaml': ['flammables-and-crowded', 'heavy-gas-use'],
};

const COLOUR_WORD: Record<string, string> = { 高风险: 'red', 较高风险: 'orange', 一般风险: 'yellow', 低风险: 'blue' };

/** The colour an example's header comment promises: "…: red (高风险)". */
function promisedColour(text: string): string | undefined {
  const header = /^(?:#.*\n|\s*\n)*/.exec(text)?.[0] ?? '';
  const m = /\b(red|orange|yellow|blue)\b \((高风险|较高风险|一般风险|低风险)\)/i.exec(header);
  if (!m || COLOUR_WORD[m[2] as string] !== (m[1] as string).toLowerCase()) return undefined;
  return (m[1] as string).toLowerCase();
}

describe('config/examples', () => {
  // Installers copy these files and trust their comments. Your own configs can live beside them as
  // *.local.yaml (ignored by git and by this test).
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !f.endsWith('.sim.yaml') && !f.endsWith('.local.yaml'));

  it('the colour promise is read from the header comment, in both languages, or not at all', () => {
    expect(promisedColour('# A shop: yellow (一般风险).\ngateway: {}\n')).toBe('yellow');
    expect(promisedColour('#\n# (three-in-one). Red (高风险): LPG.\n')).toBe('red');
    expect(promisedColour('# A shop: yellow (高风险).\n')).toBeUndefined();
    expect(promisedColour('gateway: {}\n# red (高风险)\n')).toBeUndefined();
  });

  for (const file of files) {
    it(`${file} passes check-config cleanly and derives the colour its comment promises`, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const promised = promisedColour(text);
      if (promised === undefined)
        expect.fail(
          `config/examples/${file}: its header comment must promise the colour it derives, e.g. "# A hotpot restaurant …: red (高风险)" — ` +
            'installers copy these files and read that line. A config of your own goes in config/examples/NAME.local.yaml (ignored), or anywhere outside.',
        );
      const r = loadConfigFile(join(DIR, file), { builtinProfiles: BUILTIN_PROFILES, env: {} });
      expect(r.errors, `config/examples/${file}: check-config errors`).toEqual([]);
      expect(r.warnings, `config/examples/${file}: an example must not warn`).toEqual([]);
      expect(r.status).toBe('ok');
      expect(r.risk?.colour, `config/examples/${file}: derived colour against its comment`).toBe(promised);
      if (RULES[file]) expect(r.risk?.reasons.map((x) => x.rule)).toEqual(RULES[file]);
    });
  }

  it('every example named here exists', () => {
    for (const f of Object.keys(RULES)) expect(files, `config/examples/${f} is named in RULES but missing`).toContain(f);
  });
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
