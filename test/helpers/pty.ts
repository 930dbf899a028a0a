// A real pseudo-terminal pair from socat: two linked paths that behave like the two ends of a serial
// cable. Killing socat makes the paths vanish (an unplugged adapter); starting it again brings them back.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

export interface PtyPair {
  /** The gateway's end. */
  a: string;
  /** The device's end. */
  b: string;
  dir: string;
  /** Kills socat: both paths vanish. */
  unplug(): Promise<void>;
  /** Starts socat again on the same paths. */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'jx-pty-'));
  const a = join(dir, 'gateway');
  const b = join(dir, 'device');
  let proc: ChildProcess | undefined;

  const start = async () => {
    proc = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    await waitFor(() => existsSync(a) && existsSync(b), 5000, `socat links in ${dir}`);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
    await waitFor(() => !existsSync(a) && !existsSync(b), 5000, 'socat links to vanish');
  };

  await start();
  return {
    a,
    b,
    dir,
    unplug: stop,
    replug: start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
