// Turns zod issues into messages an installer can act on: what was expected, what was found, and for
// typos the key that was probably meant. zod's own texts ("Invalid input") are not enough on site.

import type { z } from 'zod';

type Issue = z.core.$ZodIssue & { input?: unknown };

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a block of keys';
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a block of keys',
  array: 'a list',
  record: 'a block of keys',
};

function expectedWord(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

const YAML11_BOOLEANS = /^(yes|no|on|off|y|n|true|false|True|False|TRUE|FALSE|Yes|No|YES|NO|On|Off|ON|OFF)$/;

export function issueMessage(issue: Issue, vocabulary: ReadonlySet<string>): string {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return `is required (${expectedWord(issue.expected)})`;
      if (issue.expected === 'boolean' && (input === 'true' || input === 'false')) {
        return `expected true or false, got the quoted string ${JSON.stringify(input)}: remove the quotes`;
      }
      if (issue.expected === 'boolean' && typeof input === 'string' && YAML11_BOOLEANS.test(input)) {
        return `expected true or false, got the string ${JSON.stringify(input)} (YAML 1.2 reads only true/false as booleans)`;
      }
      if (issue.expected === 'number' && typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input)) {
        return `expected a number, got the quoted string ${JSON.stringify(input)}: remove the quotes`;
      }
      return `expected ${expectedWord(issue.expected)}, got ${describeValue(input)}`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => (typeof v === 'string' ? v : String(v))).join(', ');
      return `expected one of ${options}; got ${describeValue(input)}`;
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '≤';
      if (issue.origin === 'array') return `at most ${String(issue.maximum)} items${Array.isArray(input) ? `, got ${input.length}` : ''}`;
      if (issue.origin === 'string') return `at most ${String(issue.maximum)} characters${typeof input === 'string' ? `, got ${[...input].length}` : ''}`;
      return `must be ${op} ${String(issue.maximum)}, got ${describeValue(input)}`;
    }
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '≥';
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `at least ${String(issue.minimum)} characters`;
      return `must be ${op} ${String(issue.minimum)}, got ${describeValue(input)}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, got ${describeValue(input)}`;
    case 'invalid_format':
      if (issue.format === 'regex') return `${issue.message}; got ${describeValue(input)}`;
      return `expected ${issue.format}, got ${describeValue(input)}`;
    case 'unrecognized_keys':
      // Formatted per key by the caller (each key gets its own line and position).
      return unknownKeyMessage(issue.keys[0] ?? '', vocabulary);
    case 'invalid_union':
      // Unions carry their own message where one was given (bus type, address forms).
      if (!issue.message.startsWith('Invalid input')) {
        // A discriminated union reports the whole entry as input: show the value of its `type`.
        const d = (issue as { discriminator?: string }).discriminator;
        const shown = d && input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[d] : input;
        return `${issue.message}; got ${describeValue(shown)}`;
      }
      if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
        return issue.message.startsWith('Invalid input') ? `does not match any allowed form` : issue.message;
      }
      return `expected one of the allowed forms, got ${describeValue(input)}`;
    case 'invalid_key': {
      const key = issue.path[issue.path.length - 1];
      return `bad name ${JSON.stringify(String(key))}: ${issue.issues.map((i) => i.message).join('; ')}`;
    }
    case 'invalid_element':
      return `bad entry: ${issue.issues.map((i) => i.message).join('; ')}`;
    case 'custom':
      return issue.message;
  }
}

export function unknownKeyMessage(key: string, vocabulary: ReadonlySet<string>): string {
  const guess = closest(key, vocabulary);
  return guess ? `unknown key "${key}" (did you mean "${guess}"?)` : `unknown key "${key}"`;
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
