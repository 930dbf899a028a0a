// JSON Schema of the config, generated from the zod schema (for editor completion: yaml-language-server
// reads `# yaml-language-server: $schema=…`). It describes what may be written in the file (the input
// side): defaults are shown, and hex strings are allowed where addresses go.

import { z } from 'zod';
import { ConfigSchema } from './schema.js';

let cached: Record<string, unknown> | undefined;

export function configJsonSchema(): Record<string, unknown> {
  cached ??= z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return cached;
}

let vocabulary: Set<string> | undefined;

/** Every key the config knows, anywhere: for "did you mean" on unknown keys. */
export function configVocabulary(): ReadonlySet<string> {
  if (vocabulary) return vocabulary;
  const words = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) words.add(name);
        walk(v);
      }
    }
  };
  walk(configJsonSchema());
  vocabulary = words;
  return words;
}
