// The one logger factory of the gateway: JSON lines to stdout by default (journald and log shippers
// read them), human-readable lines only on request. Every argument and every child binding passes
// through redact() first, so no call site can leak a secret by accident.

import { fstatSync } from 'node:fs';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { prettyStream } from './pretty.js';
import type { RecentLines } from './recent.js';
import { redact } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  pretty?: boolean;
  /** Component name, e.g. "uplink". */
  name?: string;
  /** Whether lines carry their time (default yes). Under systemd the journal stamps every line itself:
   *  a second timestamp in the line is noise (journaldStdout()). */
  time?: boolean;
  /** The venue's time zone for human-readable lines (JSON lines carry UTC ISO times). */
  timeZone?: string;
  /** Where lines go; default stdout. Tests pass a memory stream. */
  destination?: DestinationStream;
  /** Also keep the last lines in memory (remote diagnostics: `get-logs`). */
  recent?: RecentLines;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    ...(settings.name ? { name: settings.name } : {}),
    base: { pid: process.pid },
    timestamp: settings.time === false ? false : pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => redact(a)) as Parameters<typeof method>);
      },
    },
  };
  const out = settings.destination ?? pino.destination({ dest: 1, sync: true });
  const shown = settings.pretty ? prettyStream(out, settings.timeZone) : out;
  if (!settings.recent || options.level === 'silent') return redactChildren(pino(options, shown));
  // Each stream at the logger's own level (a multistream's default would drop debug lines).
  const level = options.level as string;
  return redactChildren(
    pino(
      options,
      pino.multistream([
        { stream: shown, level },
        { stream: settings.recent, level },
      ]),
    ),
  );
}

/** pino serialises a child's bindings once, without the bindings formatter: redact them on the way in,
 *  for children of children too. */
function redactChildren(logger: Logger): Logger {
  const child = logger.child.bind(logger) as unknown as (bindings: Record<string, unknown>, options?: object) => Logger;
  const wrapped = (bindings: Record<string, unknown>, options?: object): Logger => redactChildren(child(redact(bindings) as Record<string, unknown>, options));
  logger.child = wrapped as unknown as Logger['child'];
  return logger;
}

/** Whether stdout is systemd's journal: JOURNAL_STREAM names the device and inode of the journal's stream,
 *  which is stdout unless the process redirected it (systemd.exec(5)). */
export function journaldStdout(env: Readonly<Record<string, string | undefined>>): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(1);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}
