// Turns zod issues into messages an installer can act on: what was expected, what was found, and for
// typos the key that was probably meant. zod's own texts ("Invalid input") are not enough on site.

import type { z } from 'zod';
import { isSaid, joinedSaid, said, saidOfText, type DiagnosticCode, type Said } from './diagnostics.js';

type Issue = z.core.$ZodIssue & { input?: unknown };

function describeValue(v: unknown): Said {
  if (v === undefined) return said('nothing');
  if (v === null) return said('emptyValue');
  if (typeof v === 'string') return said('theString', { value: JSON.stringify(v) });
  if (typeof v === 'number' || typeof v === 'boolean') return said('schemaSays', { message: String(v) });
  if (Array.isArray(v)) return said('aList');
  return said('aBlock');
}

const TYPE_WORDS: Record<string, DiagnosticCode> = {
  number: 'aNumber',
  int: 'aWholeNumber',
  string: 'text',
  boolean: 'trueOrFalse',
  object: 'aBlock',
  array: 'aList',
  record: 'aBlock',
};

function expectedWord(expected: string): Said {
  const code = TYPE_WORDS[expected];
  return code ? said(code) : said('schemaSays', { message: expected });
}

const YAML11_BOOLEANS = /^(yes|no|on|off|y|n|true|false|True|False|TRUE|FALSE|Yes|No|YES|NO|On|Off|ON|OFF)$/;

/** A message the schema itself carries: a `Said` in the issue's params (refinements), or one of our
 *  parameterless sentences by its exact English (regex and size messages can only carry a string). */
function ownMessage(issue: { message: string; params?: Record<string, unknown> | undefined }): Said {
  const s = issue.params?.said;
  return isSaid(s) ? s : saidOfText(issue.message);
}

export function issueSaid(issue: Issue, vocabulary: ReadonlySet<string>): Said {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return said('required', { expectedText: expectedWord(issue.expected) });
      if (issue.expected === 'boolean' && (input === 'true' || input === 'false')) return said('quotedBoolean', { value: JSON.stringify(input) });
      if (issue.expected === 'boolean' && typeof input === 'string' && YAML11_BOOLEANS.test(input)) {
        return said('yaml11Boolean', { value: JSON.stringify(input) });
      }
      if (issue.expected === 'number' && typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input)) {
        return said('quotedNumber', { value: JSON.stringify(input) });
      }
      return said('expectedGot', { expectedText: expectedWord(issue.expected), gotText: describeValue(input) });
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => (typeof v === 'string' ? v : String(v))).join(', ');
      return said('oneOf', { options, gotText: describeValue(input) });
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '≤';
      const n = String(issue.maximum);
      if (issue.origin === 'array') return Array.isArray(input) ? said('atMostItemsGot', { n, got: input.length }) : said('atMostItems', { n });
      if (issue.origin === 'string') return typeof input === 'string' ? said('atMostCharsGot', { n, got: [...input].length }) : said('atMostChars', { n });
      return said('mustBe', { op, limit: n, gotText: describeValue(input) });
    }
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '≥';
      const n = String(issue.minimum);
      if (issue.origin === 'array') return said(issue.minimum === 1 ? 'atLeastItem' : 'atLeastItems', { n });
      if (issue.origin === 'string') {
        // A minimum with words of its own (the low-risk reason) says them.
        if (saidOfText(issue.message).code !== 'schemaSays') return ownMessage(issue);
        return Number(issue.minimum) <= 1 ? said('notEmpty') : said('atLeastChars', { n });
      }
      return said('mustBe', { op, limit: n, gotText: describeValue(input) });
    }
    case 'not_multiple_of':
      return said('multipleOf', { divisor: String(issue.divisor), gotText: describeValue(input) });
    case 'invalid_format':
      if (issue.format === 'regex') return said('withGot', { messageText: ownMessage(issue), gotText: describeValue(input) });
      return said('expectedFormat', { format: issue.format, gotText: describeValue(input) });
    case 'unrecognized_keys':
      // Formatted per key by the caller (each key gets its own line and position).
      return unknownKeySaid(issue.keys[0] ?? '', vocabulary);
    case 'invalid_union':
      // Unions carry their own message where one was given (bus type, address forms).
      if (!issue.message.startsWith('Invalid input')) {
        // A discriminated union reports the whole entry as input: show the value of its `type`.
        const d = (issue as { discriminator?: string }).discriminator;
        const shown = d && input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[d] : input;
        return said('withGot', { messageText: ownMessage(issue), gotText: describeValue(shown) });
      }
      if (input !== null && typeof input === 'object' && !Array.isArray(input)) return said('noForm');
      return said('oneOfForms', { gotText: describeValue(input) });
    case 'invalid_key': {
      const key = issue.path[issue.path.length - 1];
      return said('badName', { name: JSON.stringify(String(key)), whyText: joinedSaid(issue.issues.map(ownMessage)) });
    }
    case 'invalid_element':
      return said('badEntry', { whyText: joinedSaid(issue.issues.map(ownMessage)) });
    case 'custom':
      return ownMessage(issue);
  }
}

export function unknownKeySaid(key: string, vocabulary: ReadonlySet<string>): Said {
  const guess = closest(key, vocabulary);
  return guess ? said('unknownKeyGuess', { key, guess }) : said('unknownKey', { key });
}

/** The nearest known name within an edit distance of 2, or one differing only in case. */
export function closest(word: string, vocabulary: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of vocabulary) {
    if (candidate.toLowerCase() === word.toLowerCase()) return candidate;
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] as number;
      prev[j] = Math.min(above + 1, (prev[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length] as number;
}
