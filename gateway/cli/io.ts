// What a CLI command may touch, passed in so tests can run commands in-process and read their output.

import { langOf, LangError, type Lang } from '../i18n/i18n.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Asks a person at a terminal and resolves with the line typed (null at the end of input); absent when
   *  nobody can answer (a pipe, a script, a test): commands then take their answers from flags or files. */
  prompt?: (text: string) => Promise<string | null>;
  /** stderr is a terminal: progress may redraw one line. */
  stderrTTY?: boolean;
}

let rl: import('node:readline/promises').Interface | undefined;

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  ...(process.stdin.isTTY && process.stdout.isTTY
    ? {
        prompt: async (text: string) => {
          const { createInterface } = await import('node:readline/promises');
          if (!rl) {
            rl = createInterface({ input: process.stdin, output: process.stdout });
            rl.on('close', () => (rl = undefined));
          }
          const r = rl;
          // Ctrl-D ends the input: resolve null instead of waiting for ever.
          return new Promise<string | null>((resolve) => {
            const onClose = () => resolve(null);
            r.once('close', onClose);
            r.question(text).then(
              (a) => {
                r.off('close', onClose);
                resolve(a);
              },
              () => resolve(null),
            );
          });
        },
      }
    : {}),
  stderrTTY: process.stderr.isTTY === true,
};

/** Lets the process end once a command that prompted is done. */
export function closePrompt(): void {
  rl?.close();
}

/** Exit codes: 0 fine, 1 the input is wrong (invalid config, device did not answer), 2 cannot even
 *  start (usage, unreadable file, broken YAML). */
/** `restart`: the process ends so that its supervisor starts `current` again (a software update). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, restart: 75 } as const;

export class UsageError extends Error {}

/** The language of a command's output: `--lang`, else the locale; a bad `--lang` is a usage error. */
export function langFlag(command: string, env: NodeJS.ProcessEnv, flag: string | undefined): Lang {
  try {
    return langOf(env, flag);
  } catch (err) {
    if (err instanceof LangError) throw new UsageError(`${command}: ${err.message}`);
    throw err;
  }
}

/** A thin wrapper over util.parseArgs that turns its exceptions into a UsageError naming the command. */
export function parseOrUsage<T>(command: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
}
