// The public face of config/: what drivers/, gateway/ and simulator/ may use.
export * from './schema.js';
export * from './profile.js';
export * from './signals.js';
export * from './venue.js';
export * from './risk.js';
export { loadConfigFile, loadConfigText, type LoadOptions, type LoadResult, type SecretOrigin } from './load.js';
export { configJsonSchema } from './json-schema.js';
export { formatPath, type Diagnostic, type Position } from './yaml-source.js';
export { loadYamlFile, type YamlLoad } from './yaml-file.js';
