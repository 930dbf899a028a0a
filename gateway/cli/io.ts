// What a CLI command may touch, passed in so tests can run commands in-process and read their output.

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
};

/** Exit codes: 0 fine, 1 the input is wrong (invalid config, device did not answer), 2 cannot even
 *  start (usage, unreadable file, broken YAML). */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export class UsageError extends Error {}

/** A thin wrapper over util.parseArgs that turns its exceptions into a UsageError naming the command. */
export function parseOrUsage<T>(command: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
}
