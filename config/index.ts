// The public face of config/: what drivers/, gateway/ and simulator/ may use.
export * from './schema.js';
export * from './profile.js';
export * from './signals.js';
export * from './venue.js';
export * from './risk.js';
export { loadConfigFile, loadConfigText, type LoadResult } from './load.js';
export { configJsonSchema } from './json-schema.js';
export { type Diagnostic } from './yaml-source.js';
export { loadYamlFile } from './yaml-file.js';
export { diagnosticJson, renderSaid } from './diagnostics.js';
export { DIAGNOSTICS_ZH } from './diagnostics-zh.js';
