// systemd's notify protocol (Type=notify, WatchdogSec=): READY=1 once the gateway acts, WATCHDOG=1 while
// its poll loops and event chain are alive, STOPPING=1 on the way out. NOTIFY_SOCKET is a Unix datagram
// socket, which Node cannot speak without a native module; `systemd-notify` (in the systemd package, on
// every box that runs the unit) sends each message, so the unit says NotifyAccess=all. Outside systemd
// (no NOTIFY_SOCKET) nothing is sent and nothing is spawned.

import { execFile } from 'node:child_process';
import type { Logger } from '../log/logger.js';

export interface NotifyOptions {
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  /** Why the process is not alive, or null when it is: asked before each watchdog ping. */
  liveness: () => string | null;
  /** The notify helper (tests point it elsewhere). */
  command?: string;
}

export class SystemdNotify {
  private timer: NodeJS.Timeout | undefined;
  private lastTrouble: string | null = null;
  /** Pings sent and withheld, for /metrics and tests. */
  pings = 0;
  withheld = 0;

  constructor(private readonly o: NotifyOptions) {}

  /** Under systemd with a notify socket. */
  get enabled(): boolean {
    return !!this.o.env.NOTIFY_SOCKET;
  }

  /** The watchdog interval systemd asked for (ms), when it asked for one for this process. */
  get watchdogMs(): number | undefined {
    const usec = Number(this.o.env.WATCHDOG_USEC);
    const pid = this.o.env.WATCHDOG_PID;
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return undefined;
    if (pid !== undefined && Number(pid) !== process.pid) return undefined;
    return usec / 1000;
  }

  /** Messages go one after the other, in order (READY before the first ping, STOPPING last). */
  private queue: Promise<void> = Promise.resolve();

  private send(...fields: string[]): void {
    if (!this.enabled) return;
    const env = { ...process.env, NOTIFY_SOCKET: this.o.env.NOTIFY_SOCKET };
    this.queue = this.queue.then(
      () =>
        new Promise<void>((resolve) => {
          // --no-block: do not wait for the manager to process it (the ping must never stall the gateway).
          execFile(this.o.command ?? 'systemd-notify', ['--no-block', ...fields], { timeout: 5000, env }, (err) => {
            if (err) this.o.log.warn({ err: { message: err.message } }, `systemd-notify ${fields.join(' ')} failed`);
            resolve();
          });
        }),
    );
  }

  /** Resolves once every message sent so far has been handed over (tests, the last words at a stop). */
  flushed(): Promise<void> {
    return this.queue;
  }

  ready(status: string): void {
    this.send('READY=1', `STATUS=${status}`);
    const ms = this.watchdogMs;
    if (ms === undefined) return;
    // Twice per interval, as sd_watchdog_enabled(3) advises.
    this.timer = setInterval(() => this.tick(), Math.max(ms / 2, 500));
    this.timer.unref();
    this.tick();
  }

  /** One watchdog turn: ping when alive; when not, withhold it (systemd restarts us) and say why once. */
  tick(): void {
    const trouble = this.o.liveness();
    if (trouble === null) {
      if (this.lastTrouble !== null) this.o.log.info('alive again: watchdog pings resume');
      this.lastTrouble = null;
      this.pings++;
      this.send('WATCHDOG=1');
      return;
    }
    this.withheld++;
    if (trouble !== this.lastTrouble) {
      this.o.log.error({ trouble }, `not alive: ${trouble}; watchdog pings withheld, systemd will restart the gateway`);
      this.send(`STATUS=not alive: ${trouble}`);
    }
    this.lastTrouble = trouble;
  }

  stopping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.send('STOPPING=1', 'STATUS=stopping: outputs left as the alarms demand, valves closed');
  }
}
