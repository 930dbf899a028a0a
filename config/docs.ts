// docs/config.md, generated from the JSON Schema, which is generated from the zod schema: the reference
// cannot disagree with what check-config accepts. A test fails when the committed copy is stale.

import { CONFIG_BOUNDS, sizeText } from './bounds.js';
import { configJsonSchema } from './json-schema.js';
import { RISK_LABELS, INSPECTION_INTERVAL_DAYS, RISK_COLOURS } from './risk.js';
import { describeRange, THRESHOLD_RULES } from './signals.js';
import { CATEGORIES, VENUE_CATEGORIES } from './venue.js';

type Json = Record<string, unknown>;

interface Row {
  path: string;
  type: string;
  required: boolean;
  def: string;
  description: string;
}

function typeOf(s: Json): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeOf).join(' or ');
  if (Array.isArray(s.oneOf)) return (s.oneOf as Json[]).map(typeOf).join(' or ');
  const t = s.type;
  if (t === 'array') return `list of ${typeOf((s.items as Json) ?? {})}${typeof s.maxItems === 'number' ? `, at most ${s.maxItems}` : ''}`;
  if (t === 'object') return s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties ? 'map' : 'block';
  let out = String(t ?? 'any');
  if (t === 'string' && typeof s.maxLength === 'number') out += ` ≤ ${s.maxLength} characters`;
  const lo = s.minimum ?? s.exclusiveMinimum;
  const hi = s.maximum ?? s.exclusiveMaximum;
  const safe = (n: unknown) => typeof n === 'number' && Math.abs(n) < 1e15;
  if (safe(lo) && safe(hi)) out += ` ${String(lo)}–${String(hi)}`;
  else if (safe(lo)) out += ` ≥ ${String(lo)}`;
  else if (safe(hi)) out += ` ≤ ${String(hi)}`;
  return out;
}

function walk(s: Json, path: string, required: boolean, rows: Row[]): void {
  const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
  const description = String(s.description ?? '').replace(/\|/g, '\\|');
  const variants = (s.oneOf ?? s.anyOf) as Json[] | undefined;
  if (variants && variants.every((v) => v.type === 'object' && v.properties)) {
    // A discriminated union (bus or driver type): one block of rows per variant.
    for (const v of variants) {
      const props = v.properties as Record<string, Json>;
      const tag = Object.entries(props).find(([, p]) => p.const !== undefined);
      const label = tag ? `${path} (${tag[0]}: ${String(tag[1].const)})` : path;
      walkObject(v, label, rows);
    }
    return;
  }
  const items = s.items as Json | undefined;
  if (s.type === 'array' && items && (items.properties || items.oneOf || items.anyOf)) {
    rows.push({ path, type: 'list', required, def, description });
    walk(items, `${path}[]`, true, rows);
    return;
  }
  if (s.type === 'object' && s.properties) {
    if (path) rows.push({ path, type: 'block', required, def, description });
    walkObject(s, path, rows);
    return;
  }
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    rows.push({ path, type: 'map', required, def, description });
    const inner = s.additionalProperties as Json;
    if (inner.properties || inner.anyOf || inner.oneOf) walk(inner, `${path}.<name>`, true, rows);
    return;
  }
  rows.push({ path, type: typeOf(s), required, def, description });
}

function walkObject(s: Json, path: string, rows: Row[]): void {
  const req = new Set((s.required as string[] | undefined) ?? []);
  for (const [k, v] of Object.entries((s.properties as Record<string, Json>) ?? {})) {
    walk(v, path ? `${path}.${k}` : k, req.has(k), rows);
  }
}

export function configMarkdown(): string {
  const schema = configJsonSchema();
  const out: string[] = [
    '# Config reference',
    '',
    '<!-- Generated from config/schema.ts by `npm run gen`; do not edit by hand. -->',
    '',
    'One YAML file describes one gateway in one venue. Check it with',
    '`jiuxiao-gateway check-config FILE`; editors complete it from `config/config.schema.json`',
    '(first line of a file: `# yaml-language-server: $schema=…/config.schema.json`).',
    '',
    '- `${NAME}` and `${NAME:-default}` in any text value are taken from the environment; `$${` is a literal `${`.',
    '  Secrets (`uplink.password`, `status.token`) belong there or in a `…File`, not inline.',
    '- Relative file paths (`passwordFile`, `tls.ca`, `dataDir` …) are relative to the config file.',
    '- Durations are whole milliseconds (`…Ms`), seconds (`…S`) or minutes (`…Min`), as the key says.',
    '- Register addresses are as on the wire (0-based); hex `0x001B` is fine.',
    '',
    '### Bounds',
    '',
    'What no config may exceed, in `check-config`, `run` and a config sent from the platform alike. Each is',
    'refused with exit 2 (the file cannot be used at all) and the place, before the file costs more than a',
    'moment and a little memory (figures: `npm run bench:config`, bench/README.md); the per-key limits in the',
    'tables below (how many devices, how long a name) are ordinary errors (exit 1) with the key.',
    '',
    '| bound | at most |',
    '|---|---|',
    `| the file | ${sizeText(CONFIG_BOUNDS.fileBytes)} (the examples are 1–3 KiB; 256 devices written out with names, 48 KiB) |`,
    `| a file it names (\`passwordFile\`, \`tokenFile\`, \`tls.*\`) | ${sizeText(CONFIG_BOUNDS.namedFileBytes)} |`,
    `| one value | ${CONFIG_BOUNDS.stringChars} characters, also after \`\${NAME}\` is filled in |`,
    `| one list or block | ${CONFIG_BOUNDS.items} items |`,
    `| nesting | ${CONFIG_BOUNDS.depth} levels; ${CONFIG_BOUNDS.indentColumns} columns of indentation |`,
    `| aliases (\`*name\`) | ${CONFIG_BOUNDS.aliases}, expanding to at most ${CONFIG_BOUNDS.expandedNodes.toLocaleString('en')} values (no alias bombs) |`,
    '',
  ];
  const props = schema.properties as Record<string, Json>;
  const required = new Set(schema.required as string[]);
  for (const [section, s] of Object.entries(props)) {
    out.push(`## \`${section}\`${required.has(section) ? ' (required)' : ''}`, '');
    if (s.description) out.push(String(s.description), '');
    const rows: Row[] = [];
    // The section's own row would repeat the heading: list its keys directly.
    if (s.type === 'object' && s.properties) walkObject(s, section, rows);
    else walk(s, section, required.has(section), rows);
    out.push('| key | type | required | default | description |', '|---|---|---|---|---|');
    for (const r of rows) out.push(`| \`${r.path}\` | ${r.type} | ${r.required ? 'yes' : ''} | ${r.def} | ${r.description} |`);
    out.push('');
  }

  out.push('## Venue categories (seed, Annex 2)', '', '| category | 中文 | Annex 2 item | crowded by default |', '|---|---|---|---|');
  for (const c of VENUE_CATEGORIES) {
    const info = CATEGORIES[c];
    const crowded = c === 'production' ? 'with a staff dormitory' : info.crowdedByDefault({}) ? 'yes' : 'no';
    out.push(`| \`${c}\` | ${info.zh} | ${info.annexItem} | ${crowded} |`);
  }
  out.push('', '## Risk colour (seed, Art. 6(4) and 6(5))', '', '| colour | 中文 | inspect at least every |', '|---|---|---|');
  for (const c of RISK_COLOURS) out.push(`| ${c} | ${RISK_LABELS[c].zh} | ${INSPECTION_INTERVAL_DAYS[c]} days |`);
  out.push(
    '',
    'Red: flammable goods and crowded; or a fire-safety key unit; or mixed use; or heavy gas use. Orange: flammable',
    'goods or crowded. Yellow: neither. Blue: a township decision (`venue.lowRisk`) on an otherwise yellow venue.',
    '',
    '## Threshold defaults and allowed ranges (domain.md §5)',
    '',
    '| kind | unit | warning | alarm | allowed | source |',
    '|---|---|---|---|---|---|',
  );
  for (const [kind, r] of Object.entries(THRESHOLD_RULES)) {
    if (!r) continue;
    out.push(`| \`${kind}\` | ${r.unit} | ${r.warning ?? '—'} | ${r.alarm} | ${describeRange(r)} | ${r.source} |`);
  }
  out.push('');
  return out.join('\n');
}
