// `npm run gen`: writes the generated files (config JSON Schema, config reference). Tests compare the
// committed copies with a fresh generation, so running this after a schema change is not optional.
import { writeFileSync } from 'node:fs';
import { generatedFiles } from './generated.js';

for (const [path, content] of Object.entries(generatedFiles())) {
  writeFileSync(new URL(`../../../${path}`, import.meta.url), content);
  process.stdout.write(`wrote ${path}\n`);
}
