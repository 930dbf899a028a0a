// Secrets never reach a log line (docs/architecture.md invariant 8). pino's `redact` paths cover fixed paths only
// (`*.password` is one level deep) and never look inside strings, so every value is walked here: keys
// that name a secret lose their value at any depth, and strings lose URL credentials, secret query
// parameters and bearer tokens wherever they appear (messages, error texts, nested arrays).

const REDACTED = '[redacted]';

// Whole-key names, and suffixes such as mqttPassword, accessToken, clientSecret. Names ending in File,
// Path or Env only point at a secret and stay visible (passwordFile: /etc/jx/mqtt.pass).
const SECRET_KEY =
  /^(pass|passwd|password|passphrase|secret|token|key|apikey|api_key|api-key|privatekey|private_key|credentials?|authorization|auth|cookie|set-cookie)$|(password|passwd|passphrase|secret|token|apikey|privatekey|credential|credentials)$/i;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const SECRET_PARAM =
  /([?&;](?:password|passwd|pass|pwd|token|access_token|refresh_token|secret|client_secret|key|apikey|api_key|auth|sig|signature)=)[^&\s#;]*/gi;
const KEY_VALUE = /\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g;

export function redactString(s: string): string {
  if (s.length < 6) return s;
  return s
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_PARAM, `$1${REDACTED}`)
    .replace(KEY_VALUE, `$1$2${REDACTED}`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
}

const MAX_DEPTH = 12;

/** A copy of `value` with every secret replaced; the input is never modified. */
export function redact(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
    if (value instanceof Error) return redactError(value, depth, seen);
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), secretOr(String(k), v, depth, seen)]));
    if (value instanceof Set) return [...value].map((v) => walk(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = secretOr(k, v, depth, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

function secretOr(key: string, v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (isSecretKey(key) && v !== undefined && v !== null && v !== '') return REDACTED;
  return walk(v, depth + 1, seen);
}

/** Keeps the Error's prototype so pino still serialises it as an error (type, message, stack). */
function redactError(err: Error, depth: number, seen: WeakSet<object>): Error {
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error;
  Object.defineProperty(copy, 'message', { value: redactString(err.message), enumerable: false, writable: true, configurable: true });
  if (err.stack !== undefined) {
    Object.defineProperty(copy, 'stack', { value: redactString(err.stack), enumerable: false, writable: true, configurable: true });
  }
  if ((err as { cause?: unknown }).cause !== undefined) {
    Object.defineProperty(copy, 'cause', {
      value: walk((err as { cause?: unknown }).cause, depth + 1, seen),
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  for (const [k, v] of Object.entries(err)) (copy as unknown as Record<string, unknown>)[k] = secretOr(k, v, depth, seen);
  return copy;
}
