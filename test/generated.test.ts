// Generated files must match the code they come from: run `npm run gen` after changing the schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../gateway/tools/generated.js';

const ROOT = join(import.meta.dirname, '..');

describe('generated files are fresh', () => {
  for (const [path, content] of Object.entries(generatedFiles())) {
    it(`${path} (npm run gen)`, () => {
      expect(readFileSync(join(ROOT, path), 'utf8')).toBe(content);
    });
  }

  it('the JSON Schema accepts what the examples write: every top-level key is described', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'config/config.schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'gateway',
      'venue',
      'buses',
      'devices',
      'profiles',
      'inputs',
      'outputs',
      'linkage',
      'uplink',
      'centre',
      'storage',
      'status',
      'log',
    ]);
    expect(schema.required).toEqual(['gateway', 'venue']);
    expect(schema.additionalProperties).toBe(false);
  });
});
