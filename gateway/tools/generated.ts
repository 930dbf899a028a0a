// The files generated from code, by repository path. One list, used by `npm run gen` and by the test
// that fails when a committed copy is stale.
import { configJsonSchema } from '../../config/index.js';
import { configMarkdown } from '../../config/docs.js';
import { payloadSchemas, protocolMarkdown } from '../contract/docs.js';

export function generatedFiles(): Record<string, string> {
  return {
    'config/config.schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    'docs/config.md': configMarkdown(),
    'docs/protocol.md': protocolMarkdown(),
    ...Object.fromEntries(Object.entries(payloadSchemas()).map(([name, schema]) => [`docs/schemas/${name}.json`, `${JSON.stringify(schema, null, 2)}\n`])),
  };
}
