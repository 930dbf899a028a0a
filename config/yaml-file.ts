// Any YAML file validated against a zod schema, with every problem at its line and column: the same
// machinery as the gateway config, for the simulator's files and later ones.

import type { z } from 'zod';
import { readBounded, whyUnreadable } from './bounds.js';
import { said, type Said } from './diagnostics.js';
import { issueSaid, unknownKeySaid } from './issue-text.js';
import { diagnostic, formatPath, YamlSource, type Diagnostic, type PathSegment } from './yaml-source.js';

export type YamlLoad<T> = { ok: true; value: T; source: YamlSource } | { ok: false; errors: Diagnostic[]; stage: 'unreadable' | 'syntax' | 'invalid' };

export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, env: NodeJS.ProcessEnv = process.env): YamlLoad<z.output<S>> {
  let text: string;
  try {
    const r = readBounded(file);
    if ('tooBig' in r) return unreadable(r.tooBig);
    text = r.text;
  } catch (err) {
    return unreadable(whyUnreadable(err, 'isDirectoryNotFile'));
  }
  const { source, syntaxErrors } = YamlSource.parse(text);
  if (syntaxErrors.length) return { ok: false, stage: 'syntax', errors: syntaxErrors };
  const expanded = source.expandEnv(env);
  const parsed = schema.safeParse(source.toJS(), { reportInput: true });
  const errors: Diagnostic[] = [...expanded.errors];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const path = (key === undefined ? issue.path : [...issue.path, key]) as PathSegment[];
        const s = key === undefined ? issueSaid(issue, new Set()) : unknownKeySaid(key, new Set());
        errors.push(diagnostic(formatPath(path), source.locate(path, key === undefined ? 'value' : 'key'), s));
      }
    }
  }
  if (errors.length || !parsed.success) return { ok: false, stage: 'invalid', errors: errors.sort((a, b) => a.line - b.line || a.column - b.column) };
  return { ok: true, value: parsed.data, source };
}

function unreadable(why: Said): { ok: false; errors: Diagnostic[]; stage: 'unreadable' } {
  return { ok: false, stage: 'unreadable', errors: [diagnostic('', { line: 0, column: 0 }, said('cannotRead', { whyText: why }))] };
}
