// Built-in profiles: the maps are what their READMEs say, and each sample config passes check-config.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../config/index.js';
import { BUILTIN_PROFILES } from './index.js';

const DIR = import.meta.dirname;

describe('built-in profiles', () => {
  it('are exactly the five the project documents', () => {
    expect(Object.keys(BUILTIN_PROFILES).sort()).toEqual(['acrel-asj', 'electrical-fire', 'gas-lel', 'relay', 'smoke']);
  });

  for (const name of Object.keys(BUILTIN_PROFILES)) {
    it(`${name} has a README, a source and a sample config that passes check-config`, () => {
      expect(existsSync(join(DIR, name, 'README.md'))).toBe(true);
      expect(BUILTIN_PROFILES[name]?.source).toBeTruthy();
      const r = loadConfigFile(join(DIR, name, 'sample.yaml'), { builtinProfiles: BUILTIN_PROFILES, env: {} });
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([]);
      expect(r.config?.devices.map((d) => d.profile)).toContain(name);
    });
  }

  it('every folder here is a registered profile', () => {
    const folders = readdirSync(DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(Object.keys(BUILTIN_PROFILES).sort());
  });

  it('acrel-asj follows the manual (p. 18): residual current at 0x0000, alarm status at 0x001B', () => {
    const p = BUILTIN_PROFILES['acrel-asj']!;
    expect(p.points['residual-current']).toMatchObject({ fc: 3, address: 0x0000, type: 'u16', unit: 'mA', kind: 'residual-current' });
    expect(p.points['alarm-status']).toMatchObject({ fc: 3, address: 0x001b, enum: { '0': 'normal', '1': 'pre-warning', '2': 'alarm', '4': 'broken-line' } });
    expect(p.points['baud-code']?.enum).toEqual({ '0': '38400', '1': '19200', '2': '9600', '3': '4800', '4': '2400', '5': '1200' });
  });

  it('gas-lel is the fixed reference map other tools rely on', () => {
    const p = BUILTIN_PROFILES['gas-lel']!;
    expect(p.points.lel).toMatchObject({ fc: 4, address: 0, type: 'u16', scale: 0.1, unit: '%LEL', kind: 'gas' });
    expect(p.points.status).toMatchObject({ fc: 4, address: 1, type: 'u16', bits: { al1: 0, al2: 1, fault: 3 } });
  });

  it('relay has writable coils 0–7 and feedback inputs 0–7', () => {
    const p = BUILTIN_PROFILES.relay!;
    for (let i = 0; i < 8; i++) {
      expect(p.points[`coil-${i}`]).toMatchObject({ fc: 1, address: i, type: 'bool', writable: true });
      expect(p.points[`input-${i}`]).toMatchObject({ fc: 2, address: i, type: 'bool', kind: 'input' });
    }
  });
});
