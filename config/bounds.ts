// Bounds on what a config file may be (issue 21): a gateway's config is a few kilobytes written by an
// installer, and nothing that reads it — check-config, `run`, a config sent from the platform — may be
// made to spend seconds or gigabytes on one. Each bound is checked before the work it protects: the size
// before reading, the shape of the YAML (nesting, aliases, nodes, string lengths, list lengths) before
// it is turned into values, so a YAML alias bomb or a 50 MB device list is refused in milliseconds with
// a position, not by V8 running out of heap. Per-field limits (how many devices, how long a name) are in
// the schema, so they come out with the field's path like any other mistake.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAlias, isCollection, isPair, isScalar, isSeq, type Document } from 'yaml';
import { said, type Said } from './diagnostics.js';

export const CONFIG_BOUNDS = {
  /** The file, in bytes (a large venue's config is tens of kilobytes; the YAML library's cost grows with it). */
  fileBytes: 256 * 1024,
  /** A file the config names: a password, a token, a certificate (a CA bundle is a few hundred kilobytes). */
  namedFileBytes: 1024 * 1024,
  /** Nesting of lists and blocks. */
  depth: 32,
  /** Columns of indentation, counting "- " and "? " at the start of a line (block nesting, before parsing). */
  indentColumns: 128,
  /** Aliases (*name) in the file. */
  aliases: 100,
  /** Values once every alias is expanded: what an alias bomb multiplies. */
  expandedNodes: 100_000,
  /** Characters in any one value. */
  stringChars: 4096,
  /** Items in any one list or block. */
  items: 1000,
} as const;

/** The file's size as people say it. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;
}

/**
 * Reads a config file, never more than the bound: a regular file by its size, anything else (a FIFO,
 * /dev/zero) by reading one byte past the bound. Throws the fs errors (ENOENT …) for the caller to word.
 */
export function readBounded(
  file: string,
  limit: number = CONFIG_BOUNDS.fileBytes,
  /** A config file, or a file it names (a secret, a certificate): for the message. */
  what: 'config' | 'named' = 'config',
): { text: string } | { tooBig: Said } {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.isFile() && st.size > limit)
      return { tooBig: said(what === 'config' ? 'fileTooBig' : 'secretFileTooBig', { size: sizeText(st.size), limit: sizeText(limit) }) };
    const buf = Buffer.allocUnsafe(limit + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) return { tooBig: said(what === 'config' ? 'streamTooBig' : 'secretStreamTooBig', { limit: sizeText(limit) }) };
    }
    return { text: buf.toString('utf8', 0, n) };
  } finally {
    closeSync(fd);
  }
}

export interface BoundProblem {
  /** Offset in the text of the node at fault. */
  offset: number;
  said: Said;
}

/** Text over the bound when there is no file (a config sent from the platform): why, or undefined. */
export function textTooBig(text: string): Said | undefined {
  const bytes = Buffer.byteLength(text);
  return bytes > CONFIG_BOUNDS.fileBytes ? said('textTooBig', { size: sizeText(bytes), limit: sizeText(CONFIG_BOUNDS.fileBytes) }) : undefined;
}

const SPACE = 0x20;
const NL = 0x0a;

/**
 * Nesting, looked at in the text before the YAML library parses it: the library descends recursively, and
 * a file of brackets nested a hundred thousand deep costs it seconds and hundreds of megabytes before it
 * gives up. Flow brackets outside quotes and comments are counted (a bracket in a block scalar counts
 * too: no config has 32 unclosed ones), and a line's indentation with its "- " and "? " indicators.
 */
export function scanNesting(text: string): BoundProblem | undefined {
  const B = CONFIG_BOUNDS;
  let depth = 0;
  let lineStart = true;
  let col = 0;
  const n = text.length;
  // A quote opens a scalar only where a token starts, not inside a plain word (Wang's).
  const tokenStart = (i: number) => {
    const p = i === 0 ? NL : text.charCodeAt(i - 1);
    return p === SPACE || p === NL || p === 0x0d || p === 0x09 || p === 0x5b || p === 0x7b || p === 0x2c || p === 0x3a;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      lineStart = true;
      col = 0;
      continue;
    }
    if (lineStart) {
      if (c === SPACE || ((c === 0x2d || c === 0x3f) && text.charCodeAt(i + 1) === SPACE)) {
        col += c === SPACE ? 1 : 2;
        if (c !== SPACE) i++;
        if (col > B.indentColumns) return { offset: i, said: said('indentedTooFar', { n: B.indentColumns }) };
        continue;
      }
      lineStart = false;
    }
    if (c === 0x23 && tokenStart(i)) {
      // a comment: to the end of the line
      while (i + 1 < n && text.charCodeAt(i + 1) !== NL) i++;
    } else if ((c === 0x22 || c === 0x27) && tokenStart(i)) {
      // a quoted scalar: to its closing quote ("\" escapes in double quotes, '' in single)
      for (i++; i < n; i++) {
        const q = text.charCodeAt(i);
        if (c === 0x22 && q === 0x5c) i++;
        else if (q === c) {
          if (c === 0x27 && text.charCodeAt(i + 1) === 0x27) i++;
          else break;
        }
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > B.depth) return { offset: i, said: said('nestedTooDeep', { n: B.depth }) };
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

/**
 * The shape of a parsed document against the bounds: the first problem found, with where it is. Walks
 * without recursion (a deep file cannot overflow the stack), then counts what aliases expand to, each
 * anchored node once.
 */
export function checkShape(doc: Document.Parsed): BoundProblem | undefined {
  const B = CONFIG_BOUNDS;
  const start = (n: unknown) => (n as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  let aliases = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      if (++aliases > B.aliases) return { offset: start(node), said: said('tooManyAliases', { n: B.aliases, name: node.source }) };
      continue;
    }
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.length > B.stringChars) {
        return { offset: start(node), said: said('valueTooLong', { n: node.value.length, max: B.stringChars }) };
      }
      continue;
    }
    if (isCollection(node)) {
      if (depth + 1 > B.depth) return { offset: start(node), said: said('nestedTooDeep', { n: B.depth }) };
      if (node.items.length > B.items)
        return { offset: start(node), said: said(isSeq(node) ? 'tooManyInList' : 'tooManyInBlock', { n: node.items.length, max: B.items }) };
      // Pushed last first, so the file is walked in its order and the first place at fault is named.
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i];
        if (isPair(item)) stack.push({ node: item.value, depth: depth + 1 }, { node: item.key, depth: depth + 1 });
        else stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  if (aliases === 0) return undefined;
  return checkExpansion(doc, start);
}

/** What the aliases expand to, counted with each node's size computed once (linear in the file). */
function checkExpansion(doc: Document.Parsed, start: (n: unknown) => number): BoundProblem | undefined {
  const size = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  let problem: BoundProblem | undefined;
  // Depth is bounded by checkShape, and an alias refers only to an anchor before it, so the recursion
  // is as deep as the nesting plus the aliases on one path.
  const count = (node: unknown): number => {
    if (problem || node === null || node === undefined) return 0;
    const known = size.get(node);
    if (known !== undefined) return known;
    let n = 1;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return 1;
      if (inProgress.has(target)) {
        problem = { offset: start(node), said: said('aliasInItself', { name: node.source }) };
        return 0;
      }
      n = count(target);
    } else if (isCollection(node)) {
      inProgress.add(node);
      for (const item of node.items) n += isPair(item) ? count(item.key) + count(item.value) : count(item);
      inProgress.delete(node);
    }
    if (n > CONFIG_BOUNDS.expandedNodes && !problem) {
      problem = {
        offset: start(node),
        said: said('aliasBomb', { max: CONFIG_BOUNDS.expandedNodes.toLocaleString('en') }),
      };
    }
    size.set(node, n);
    return n;
  };
  count(doc.contents);
  return problem;
}

/** Why a file could not be opened, in our words for the errors an installer meets. */
export function whyUnreadable(err: unknown, directory: 'isDirectory' | 'isDirectoryNotFile'): Said {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return said('noSuchFile');
  if (code === 'EACCES') return said('permissionDenied');
  if (code === 'EISDIR') return said(directory);
  return said('systemSays', { why: String((err as Error).message) });
}
