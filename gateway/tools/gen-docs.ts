// `npm run gen`: writes the generated files (config JSON Schema, config reference). Tests compare the
// committed copies with a fresh generation, so running this after a schema change is not optional.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated.js';

for (const [path, content] of Object.entries(generatedFiles())) {
  const file = fileURLToPath(new URL(`../../../${path}`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  process.stdout.write(`wrote ${path}\n`);
}
