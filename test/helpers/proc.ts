// Child processes started by tests: each is tracked by pid and killed at the end; none is left behind.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const started = new Set<ChildProcess>();
/** What a process wrote to stdout before it was ready (its listeners come after that). */
const early = new WeakMap<ChildProcess, string>();

/** The stdout a process wrote up to and including its ready line. */
export function outputBeforeReady(child: ChildProcess): string {
  return early.get(child) ?? '';
}

/** Starts a process and resolves once a line matching `ready` appears on its stdout. */
export function startProcess(cmd: string, args: string[], ready: RegExp, timeoutMs = 10_000, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready after ${timeoutMs} ms: ${out} ${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        early.set(child, out);
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}: ${err}`));
    });
  });
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...started].map(stopProcess));
}

const exec = promisify(execFile);

/** Runs a command to completion; resolves with its exit code and output, never rejects on exit code. */
export async function runCommand(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(cmd, args, { timeout: timeoutMs });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
