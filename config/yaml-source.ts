// A YAML document that remembers where each value came from, so every error can point at its line and
// column. Also expands ${ENV} references in string values (secrets come from the environment).

import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { checkShape, CONFIG_BOUNDS, scanNesting } from './bounds.js';
import { DIAGNOSTICS_EN, english, said, type DiagnosticCode, type Said } from './diagnostics.js';

export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

export interface Diagnostic extends Position {
  /** Dotted path of the offending field, arrays as [i]: `devices[2].slaveId`; '' for the whole file. */
  path: string;
  /** The English sentence of `said`. */
  message: string;
  /** What is wrong as a code with parameters (config/diagnostics.ts), for other languages and machines. */
  said: Said;
}

/** A diagnostic at a position: its English `message` rendered from `said`. */
export function diagnostic(path: string, at: Position, s: Said): Diagnostic {
  return { path, line: at.line, column: at.column, message: english(s), said: s };
}

export class YamlSource {
  private constructor(
    readonly text: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses text; syntax errors (tabs, duplicate keys, broken flow collections…) come back as diagnostics. */
  static parse(text: string): { source: YamlSource; syntaxErrors: Diagnostic[]; syntaxWarnings: Diagnostic[] } {
    const lines = new LineCounter();
    const nesting = scanNesting(text);
    // Too deep to hand to the parser: an empty document stands in, to give the position.
    const doc = parseDocument(nesting ? '' : text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true });
    if (nesting) for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines.addNewLine(at + 1);
    const source = new YamlSource(text, doc, lines);
    const toDiag = (e: { linePos?: [Position & { col: number }, ...unknown[]] | undefined; message: string; code: string }) => {
      const pos = e.linePos?.[0];
      return diagnostic('', { line: pos?.line ?? 1, column: pos?.col ?? 1 }, yamlSaid(e.code, e.message));
    };
    // The first syntax error is the cause; the YAML library reports what it then misreads as more errors
    // (one tab gave 22). Report the cause, and say that more may follow from it.
    const errors = doc.errors.map((e) => toDiag(e as never));
    // Well-formed, but within bounds? (an alias bomb, a 500 000-item list): refused before any value is built.
    const shape = nesting ?? (errors.length ? undefined : checkShape(doc));
    if (shape) errors.push(diagnostic('', source.position(shape.offset), shape.said));
    const first = errors[0];
    const syntaxErrors = first
      ? [errors.length > 1 ? diagnostic(first.path, first, said('parserStumbles', { firstText: first.said, n: errors.length - 1 })) : first]
      : [];
    return {
      source,
      syntaxErrors,
      syntaxWarnings: doc.warnings.map((e) => toDiag(e as never)),
    };
  }

  isEmpty(): boolean {
    return this.doc.contents === null || (isScalar(this.doc.contents) && this.doc.contents.value === null);
  }

  position(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /**
   * Where a path points. `at: 'key'` gives the key of the last segment (for unknown keys); otherwise the
   * value. A path that does not exist (a missing required key) points at the deepest part that does:
   * the key of the parent, so `venue.adminCode` missing points at `venue:`.
   */
  locate(path: readonly PathSegment[], at: 'value' | 'key' = 'value'): Position {
    let node: unknown = this.doc.contents;
    let lastKey: Node | null = null;
    let best: Position = { line: 1, column: 1 };
    const rangeOf = (n: unknown): Position | null => {
      const r = (n as { range?: [number, number, number] } | null)?.range;
      return r ? this.position(r[0]) : null;
    };
    best = rangeOf(node) ?? best;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return lastKey ? (rangeOf(lastKey) ?? best) : best;
        const keyPos = rangeOf(pair.key);
        if (i === path.length - 1 && at === 'key' && keyPos) return keyPos;
        lastKey = pair.key as Node;
        // An empty value (`slaveId:`) has no useful position of its own: point at its key.
        const valuePos = pair.value && !(isScalar(pair.value) && pair.value.value === null) ? rangeOf(pair.value) : null;
        best = valuePos ?? keyPos ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return best;
        best = rangeOf(item) ?? best;
        lastKey = item as Node;
        node = item;
      } else {
        return best;
      }
    }
    return best;
  }

  /**
   * Replaces ${NAME} and ${NAME:-default} in every string value, from `env`; `$${` stays a literal `${`.
   * Returns one diagnostic per unset variable, and the paths whose value came from the environment.
   */
  expandEnv(env: NodeJS.ProcessEnv): { errors: Diagnostic[]; fromEnv: Map<string, string[]> } {
    const errors: Diagnostic[] = [];
    const fromEnv = new Map<string, string[]>();
    visit(this.doc, {
      Scalar: (key, node, ancestors) => {
        // Keys are names (profiles, channels), never secrets: only values are expanded.
        if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
        const path = pathOf(ancestors, node);
        const where = node.range ? this.position(node.range[0]) : { line: 1, column: 1 };
        const names: string[] = [];
        const out = node.value.replace(/\$?\$\{([^}]*)\}?/g, (whole: string, inner: string) => {
          if (whole.startsWith('$${')) return whole.slice(1);
          if (!whole.endsWith('}')) {
            errors.push(diagnostic(formatPath(path), where, said('unclosedEnv', { value: node.value as string })));
            return whole;
          }
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
          if (!m) {
            errors.push(diagnostic(formatPath(path), where, said('notEnvRef', { inner })));
            return whole;
          }
          const name = m[1] as string;
          names.push(name);
          const value = env[name];
          if (value !== undefined && value !== '') return value;
          if (m[2] !== undefined) return m[2];
          errors.push(diagnostic(formatPath(path), where, said('envNotSet', { name })));
          return whole;
        });
        if (out.length > CONFIG_BOUNDS.stringChars) {
          errors.push(diagnostic(formatPath(path), where, said('valueTooLongFromEnv', { n: out.length, max: CONFIG_BOUNDS.stringChars })));
          return;
        }
        node.value = out;
        if (names.length) fromEnv.set(formatPath(path), names);
      },
    });
    return { errors, fromEnv };
  }

  toJS(): unknown {
    // What aliases expand to is bounded at parse (config/bounds.ts); the library's own count would throw.
    return this.doc.toJS({ maxAliasCount: -1 });
  }
}

function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
    else if (isMap(parent)) {
      // visit() descends map → pair → value; the pair is the next ancestor.
    } else if (parent && typeof parent === 'object' && 'key' in parent && 'value' in parent) {
      const pair = parent as { key: unknown; value: unknown };
      if (pair.value === child && isScalar(pair.key)) path.push(String(pair.key.value));
      else if (pair.key === child) path.push('(key)');
    }
  }
  return path;
}

export function formatPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s;
}

/** The yaml library's messages end with " at line N, column M:" and a code excerpt; the position is
 *  printed separately, so its first sentence is the detail of the diagnostic named by its code. */
function yamlSaid(code: string, message: string): Said {
  const library = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  const ours = `yaml.${code}`;
  // A code newer than this file: the library's sentence, under the code that says the least.
  return said(ours in DIAGNOSTICS_EN ? (ours as DiagnosticCode) : 'yaml.IMPOSSIBLE', { library });
}
