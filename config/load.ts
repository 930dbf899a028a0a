// Loading a config file: read, parse YAML with positions, expand ${ENV}, validate against the schema,
// read secret files, run the cross-field rules, derive the venue's risk. Every problem is collected
// (not just the first) and points at its line and column. Nothing here throws for bad input.

import { X509Certificate } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { CONFIG_BOUNDS, readBounded, textTooBig, whyUnreadable } from './bounds.js';
import { crossCheck, type Finding, type Indexed, type PartialConfig } from './cross-check.js';
import { closest, issueSaid, unknownKeySaid } from './issue-text.js';
import { said, type Said } from './diagnostics.js';
import type { Profile } from './profile.js';
import { assessRisk, type RiskAssessment } from './risk.js';
import {
  BusSchema,
  ConfigSchema,
  DeviceSchema,
  LinkageRule,
  OutputSchema,
  InputSchema,
  StatusSection,
  UplinkSection,
  CentreSection,
  VenueSection,
  GatewaySection,
  type Config,
  type Venue,
} from './schema.js';
import { ProfileSchema } from './profile.js';
import { configVocabulary } from './json-schema.js';
import { diagnostic, formatPath, YamlSource, type Diagnostic, type PathSegment } from './yaml-source.js';

export interface LoadOptions {
  /** Built-in device profiles by name (drivers/profiles); config/ does not import drivers/. */
  builtinProfiles: Readonly<Record<string, Profile>>;
  env?: NodeJS.ProcessEnv;
  /**
   * `run`: an unreadable or malformed TLS file is a warning, not an error. The gateway must poll and act
   * whatever its uplink's files are; the uplink says what is wrong and retries (check-config refuses).
   */
  tlsFilesAsWarnings?: boolean;
}

/** Where each secret came from, for summaries that must not show the secret itself. */
type SecretOrigin = { kind: 'env'; names: string[] } | { kind: 'file'; file: string } | { kind: 'inline' };

export interface LoadResult {
  /** 'unreadable' and 'syntax' stop before validation (exit 2); 'invalid' has errors (exit 1). */
  status: 'ok' | 'invalid' | 'syntax' | 'unreadable';
  file: string;
  config?: Config;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Environment variables that replaced values of the file (JX_MQTT_URL …). */
  envOverrides?: string[];
  /** The venue section when it parsed, even if other sections did not. */
  venue?: Venue;
  risk?: RiskAssessment;
  secrets: Record<string, SecretOrigin>;
}

export function loadConfigFile(file: string, options: LoadOptions): LoadResult {
  let text: string;
  try {
    const r = readBounded(file);
    if ('tooBig' in r) return unreadable(file, r.tooBig);
    text = r.text;
  } catch (err) {
    return unreadable(file, whyUnreadable(err, 'isDirectoryNotFile'));
  }
  return loadConfigText(text, file, options);
}

export function loadConfigText(text: string, file: string, options: LoadOptions): LoadResult {
  const env = options.env ?? process.env;
  const base: Pick<LoadResult, 'file' | 'secrets'> = { file, secrets: {} };
  const tooBig = textTooBig(text);
  if (tooBig) return unreadable(file, tooBig);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM from Windows editors is harmless

  const { source, syntaxErrors, syntaxWarnings } = YamlSource.parse(text);
  if (syntaxErrors.length > 0) return { ...base, status: 'syntax', errors: syntaxErrors, warnings: syntaxWarnings };
  if (source.isEmpty()) {
    return {
      ...base,
      status: 'invalid',
      errors: [diagnostic('', { line: 1, column: 1 }, said('emptyFile'))],
      warnings: [],
    };
  }

  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [...syntaxWarnings];
  const expanded = source.expandEnv(env);
  errors.push(...expanded.errors);
  const raw = source.toJS();

  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push(diagnostic('', source.locate([]), said('topNotBlock')));
    return { ...base, status: 'invalid', errors, warnings };
  }

  // Deployment overrides win over the file (a container or a systemd drop-in sets them).
  const overrides = applyEnvOverrides(raw as Record<string, unknown>, env, expanded.fromEnv as Map<string, string[]>);

  // 1. Shape: every issue of the whole schema at once.
  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  const vocabulary = configVocabulary();
  const failedPaths = new Set(expanded.errors.map((e) => e.path));
  if (!parsed.success) {
    // A typo'd key ("slaveID") also makes the real key missing: report the typo once, as the typo.
    const typoFor = new Set<string>();
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      for (const key of issue.keys) {
        const guess = closest(key, vocabulary);
        if (guess) typoFor.add(formatPath([...(issue.path as PathSegment[]), guess]));
      }
    }
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const path = [...issue.path, key] as PathSegment[];
          const derived = issue.path.length === 1 && issue.path[0] === 'venue' && /^(risk|colou?r|risk-?colou?r|risk-?level)$/i.test(key);
          errors.push(diagnostic(formatPath(path), source.locate(path, 'key'), derived ? said('riskTypedIn', { key }) : unknownKeySaid(key, vocabulary)));
        }
        continue;
      }
      const path = issue.path as PathSegment[];
      if (issue.code === 'invalid_type' && issue.input === undefined && typoFor.has(formatPath(path))) continue;
      // A value whose ${VAR} is unset already has its error; do not add "expected …" for the leftover text.
      if (failedPaths.has(formatPath(path))) continue;
      errors.push(diagnostic(formatPath(path), source.locate(path), issueSaid(issue, vocabulary)));
    }
  }

  // 2. Secrets from files, relative to the config file.
  const configDir = dirname(resolve(file));
  const fileRefs = readSecretFiles(raw as Record<string, unknown>, configDir, source, errors, options.tlsFilesAsWarnings ? warnings : errors);

  // 3. Cross-field rules on the parts that parsed.
  const partial = partialConfig(raw as Record<string, unknown>);
  const findings = crossCheck(partial, { builtinProfiles: options.builtinProfiles, fromEnv: expanded.fromEnv });
  for (const f of findings) (f.severity === 'error' ? errors : warnings).push(toDiagnostic(f, source));

  const venue = partial.venue;
  const risk = venue ? assessRisk(venue) : undefined;
  const secrets = secretOrigins(raw as Record<string, unknown>, expanded.fromEnv, fileRefs);
  const sorted = { errors: sortDiagnostics(errors), warnings: sortDiagnostics(warnings) };
  if (!parsed.success || errors.length > 0)
    return {
      ...base,
      status: 'invalid',
      ...sorted,
      ...(venue && risk ? { venue, risk } : {}),
      secrets,
      ...(overrides.length ? { envOverrides: overrides } : {}),
    };

  const config = parsed.data;
  resolvePaths(config, configDir, fileRefs);
  return {
    ...base,
    status: 'ok',
    config,
    ...sorted,
    ...(venue && risk ? { venue, risk } : {}),
    secrets,
    ...(overrides.length ? { envOverrides: overrides } : {}),
  };
}

/** JX_MQTT_URL, JX_MQTT_USERNAME, JX_MQTT_PASSWORD and JX_DATA_DIR replace the file's values. */
const ENV_OVERRIDES: Record<string, [string, string]> = {
  JX_MQTT_URL: ['uplink', 'url'],
  JX_MQTT_USERNAME: ['uplink', 'username'],
  JX_MQTT_PASSWORD: ['uplink', 'password'],
  JX_DATA_DIR: ['gateway', 'dataDir'],
};

function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, fromEnv: Map<string, string[]>): string[] {
  const applied: string[] = [];
  for (const [name, [section, key]] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (section === 'uplink' && key !== 'url' && raw.uplink === undefined && env.JX_MQTT_URL === undefined) continue;
    const target = (raw[section] && typeof raw[section] === 'object' ? raw[section] : (raw[section] = {})) as Record<string, unknown>;
    target[key] = value;
    if (key === 'password') delete target.passwordFile;
    fromEnv.set(`${section}.${key}`, [name]);
    applied.push(name);
  }
  return applied;
}

function toDiagnostic(f: Finding, source: YamlSource): Diagnostic {
  return diagnostic(formatPath(f.path), source.locate(f.path, f.at ?? 'value'), f.said);
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list
    .filter((d) => {
      const key = `${d.line}:${d.column}:${d.path}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Parses each section, and each entry of each list, on its own: the valid ones feed the cross-field
 *  rules even when a neighbour is broken. */
function partialConfig(raw: Record<string, unknown>): PartialConfig {
  const one = <S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined => {
    const r = schema.safeParse(value);
    return r.success ? r.data : undefined;
  };
  const list = <S extends z.ZodType>(schema: S, value: unknown): Indexed<z.output<S>> => {
    const items: Indexed<z.output<S>>['items'] = [];
    const ids = new Set<string>();
    const rawById = new Map<string, Record<string, unknown>>();
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        const id = (entry as { id?: unknown } | null)?.id;
        if (typeof id === 'string') {
          ids.add(id);
          if (!rawById.has(id)) rawById.set(id, entry as Record<string, unknown>);
        }
        const parsed = one(schema, entry);
        if (parsed !== undefined) items.push({ index, value: parsed });
      });
    }
    return { items, ids, raw: rawById };
  };
  const profiles = new Map<string, Profile>();
  const profileNames = new Set<string>();
  if (raw.profiles && typeof raw.profiles === 'object' && !Array.isArray(raw.profiles)) {
    for (const [name, value] of Object.entries(raw.profiles)) {
      profileNames.add(name);
      const p = one(ProfileSchema, value);
      if (p) profiles.set(name, p);
    }
  }
  const gateway = one(GatewaySection, raw.gateway);
  const venue = one(VenueSection, raw.venue);
  const uplink = raw.uplink === undefined ? undefined : one(UplinkSection, raw.uplink);
  const centre = raw.centre === undefined ? undefined : one(CentreSection, raw.centre);
  const status = one(StatusSection, raw.status ?? {});
  return {
    ...(gateway ? { gatewayId: gateway.id } : {}),
    ...(centre ? { centre } : {}),
    ...(venue ? { venue } : {}),
    buses: list(BusSchema, raw.buses),
    devices: list(DeviceSchema, raw.devices),
    outputs: list(OutputSchema, raw.outputs),
    inputs: list(InputSchema, raw.inputs),
    linkage: list(LinkageRule, raw.linkage),
    profiles,
    profileNames,
    ...(uplink ? { uplink } : {}),
    ...(status ? { status } : {}),
  };
}

interface FileRefs {
  uplinkPassword?: string;
  statusToken?: string;
  /** Absolute paths of files named in the config, by config path. */
  files: Map<string, string>;
}

const SECRET_FILES: { path: [string, string]; target: keyof Omit<FileRefs, 'files'> }[] = [
  { path: ['uplink', 'passwordFile'], target: 'uplinkPassword' },
  { path: ['status', 'tokenFile'], target: 'statusToken' },
];
const PLAIN_FILES: [string, string, string][] = [
  ['uplink', 'tls', 'ca'],
  ['uplink', 'tls', 'cert'],
  ['uplink', 'tls', 'key'],
];

/** Reads `passwordFile`/`tokenFile` and checks that the TLS files can be read, now rather than at the
 *  first connection attempt in the venue. */
function readSecretFiles(raw: Record<string, unknown>, configDir: string, source: YamlSource, errors: Diagnostic[], tlsErrors: Diagnostic[]): FileRefs {
  const refs: FileRefs = { files: new Map() };
  const get = (path: readonly string[]): unknown =>
    path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), raw);
  const read = (path: string[], what: 'cannotReadPasswordFile' | 'cannotReadTokenFile' | 'cannotReadTlsFile', into: Diagnostic[]): string | undefined => {
    const name = get(path);
    if (typeof name !== 'string' || name === '') return undefined;
    const abs = isAbsolute(name) ? name : resolve(configDir, name);
    refs.files.set(formatPath(path), abs);
    try {
      // A secret is a line, a certificate bundle a few hundred kilobytes: a path to /dev/zero or a disk
      // image is refused, not read.
      const r = readBounded(abs, CONFIG_BOUNDS.namedFileBytes, 'named');
      if ('text' in r) return r.text;
      into.push(diagnostic(formatPath(path), source.locate(path), said(what, { file: abs, whyText: r.tooBig })));
      return undefined;
    } catch (err) {
      into.push(diagnostic(formatPath(path), source.locate(path), said(what, { file: abs, whyText: whyUnreadable(err, 'isDirectory') })));
      return undefined;
    }
  };
  for (const s of SECRET_FILES) {
    const content = read(s.path, s.target === 'uplinkPassword' ? 'cannotReadPasswordFile' : 'cannotReadTokenFile', errors);
    if (content === undefined) continue;
    const secret = content.replace(/\r?\n$/, '');
    if (secret === '')
      errors.push(diagnostic(formatPath(s.path), source.locate(s.path), said('secretEmpty', { file: refs.files.get(formatPath(s.path)) ?? '' })));
    else refs[s.target] = secret;
  }
  for (const p of PLAIN_FILES) {
    const content = read(p, 'cannotReadTlsFile', tlsErrors);
    if (content === undefined) continue;
    const problem = pemProblem(p[2] as 'ca' | 'cert' | 'key', content);
    if (problem)
      tlsErrors.push(diagnostic(formatPath(p), source.locate(p), said('tlsProblem', { file: refs.files.get(formatPath(p)) ?? '', problemText: problem })));
  }
  return refs;
}

/** What is wrong with a PEM file for its use, or undefined: an empty or garbage CA fails every TLS handshake. */
function pemProblem(use: 'ca' | 'cert' | 'key', text: string): Said | undefined {
  if (text.trim() === '') return said('isEmpty');
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g)];
  if (!blocks.length) return said('notPem');
  const labels = blocks.map((b) => b[1] as string);
  if (use === 'key') return labels.some((l) => l.endsWith('PRIVATE KEY')) ? undefined : said('notPrivateKey', { labels: labels.join(', ') });
  if (!labels.includes('CERTIFICATE')) return said('notCertificate', { labels: labels.join(', ') });
  for (const b of blocks) {
    if (b[1] !== 'CERTIFICATE') continue;
    try {
      new X509Certificate(b[0]);
    } catch (err) {
      return said('certDoesNotParse', { why: (err as Error).message });
    }
  }
  return undefined;
}

function resolvePaths(config: Config, configDir: string, refs: FileRefs): void {
  if (config.uplink) {
    if (refs.uplinkPassword !== undefined) config.uplink.password = refs.uplinkPassword;
    const tls = config.uplink.tls;
    if (tls) {
      for (const k of ['ca', 'cert', 'key'] as const) {
        const abs = refs.files.get(`uplink.tls.${k}`);
        if (abs) tls[k] = abs;
      }
    }
  }
  if (refs.statusToken !== undefined) config.status.token = refs.statusToken;
  if (!isAbsolute(config.gateway.dataDir)) config.gateway.dataDir = resolve(configDir, config.gateway.dataDir);
}

function secretOrigins(raw: Record<string, unknown>, fromEnv: ReadonlyMap<string, string[]>, refs: FileRefs): Record<string, SecretOrigin> {
  const out: Record<string, SecretOrigin> = {};
  const section = (k: string) => (raw[k] && typeof raw[k] === 'object' ? (raw[k] as Record<string, unknown>) : {});
  const pairs: [string, unknown, string][] = [
    ['uplink.password', section('uplink').password, 'uplink.passwordFile'],
    ['status.token', section('status').token, 'status.tokenFile'],
  ];
  for (const [path, inline, filePath] of pairs) {
    const file = refs.files.get(filePath);
    if (file) out[path] = { kind: 'file', file };
    else if (inline !== undefined) {
      const names = fromEnv.get(path);
      out[path] = names ? { kind: 'env', names } : { kind: 'inline' };
    }
  }
  return out;
}

function unreadable(file: string, why: Said): LoadResult {
  return { status: 'unreadable', file, errors: [diagnostic('', { line: 0, column: 0 }, said('cannotRead', { whyText: why }))], warnings: [], secrets: {} };
}
