// What systemd does for the unit, for tests that restart a gateway through software updates: before each
// start the boot guard (ExecStartPre), then `current/bin/jiuxiao-gateway run` (ExecStart), started again
// after any exit (Restart=always) until stopped. Each start is kept with the version it ran and its
// output lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './proc.js';
import { sleep } from './wait.js';

export interface Start {
  version: string;
  lines: string[];
  /** Date.now() at spawn, at the first `gateway running` line, at exit. */
  at: number;
  readyAt?: number;
  exitAt?: number;
  exit?: { code: number | null; signal: string | null };
  guard: string;
}

export class Supervisor {
  readonly starts: Start[] = [];
  private child: ChildProcess | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly root: string,
    private readonly configFile: string,
    /** The environment of the n-th start (0-based): a fault injected once, not at every restart. */
    private readonly envFor: (n: number) => Record<string, string> = () => ({}),
    private readonly restartMs = 300,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  current(): string {
    return readlinkSync(join(this.root, 'current'));
  }

  get last(): Start | undefined {
    return this.starts.at(-1);
  }

  /** The lines of every start, in order. */
  text(): string {
    return this.starts.map((s, i) => `--- start ${i + 1} (${s.version}) guard: ${s.guard}\n${s.lines.join('\n')}`).join('\n');
  }

  kill9(): void {
    this.child?.kill('SIGKILL');
  }

  /** A clean stop of the running process; the supervisor starts it again. */
  restart(): void {
    this.child?.kill('SIGTERM');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
      clearTimeout(t);
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const launcher = join(this.root, 'current/bin/jiuxiao-gateway');
    while (!this.stopped) {
      const guard = await runCommand(launcher, ['boot-guard']);
      const s: Start = { version: this.current(), lines: [], guard: `${guard.code} ${guard.stderr.trim()}`, at: Date.now() };
      this.starts.push(s);
      const env = { ...process.env, ...this.envFor(this.starts.length - 1) };
      const c = spawn(launcher, ['run', '--config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
      this.child = c;
      let buf = '';
      const take = (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        s.lines.push(...parts);
        if (s.readyAt === undefined && parts.some((l) => l.includes('gateway running'))) s.readyAt = Date.now();
      };
      c.stdout.on('data', take);
      c.stderr.on('data', take);
      s.exit = await new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
      s.exitAt = Date.now();
      if (buf) s.lines.push(buf);
      if (!this.stopped) await sleep(this.restartMs);
    }
  }
}
