// Log lines that someone outside the box can cause — bytes from a monitoring centre, MQTT commands,
// requests to the status page, a device flapping on the bus — are rate-limited (issue 21): a centre
// sending nothing but `@` once wrote gigabytes of warnings in a minute and a half, and a full disk is
// what stops the outbox. Each kind of line (a fixed key from the code, never a value from outside, so
// the table stays as small as the code) may burst, then comes at a steady rate; what is held back is
// counted, carried on the next line that passes (`suppressed`), and said in one summary line once the
// flood stops. Lines about the gateway's own state (alarms, outputs, storage) do not go through here.

import type { Logger } from 'pino';
import { Allowance } from './allowance.js';

export interface ThrottleSettings {
  /** Lines of one kind let through at once. */
  burst: number;
  /** Then this many per minute. */
  perMinute: number;
}

const DEFAULT: ThrottleSettings = { burst: 10, perMinute: 6 };

type Level = 'info' | 'warn' | 'error';

interface Kind {
  allowance: Allowance;
  suppressed: number;
  since: number;
  level: Level;
  msg: string;
  summary: NodeJS.Timeout | undefined;
}

export class LogThrottle {
  private readonly kinds = new Map<string, Kind>();
  private readonly s: ThrottleSettings;

  constructor(
    private readonly log: Logger,
    settings: Partial<ThrottleSettings> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.s = { ...DEFAULT, ...settings };
  }

  info(kind: string, obj: object, msg: string): void {
    this.line('info', kind, obj, msg);
  }

  warn(kind: string, obj: object, msg: string): void {
    this.line('warn', kind, obj, msg);
  }

  error(kind: string, obj: object, msg: string): void {
    this.line('error', kind, obj, msg);
  }

  /** How many lines of each kind were held back and not yet said (for tests and the status page). */
  held(): Record<string, number> {
    return Object.fromEntries([...this.kinds].filter(([, k]) => k.suppressed > 0).map(([key, k]) => [key, k.suppressed]));
  }

  /** Says what is held back now (at stop), and stops the summary timers. */
  flush(): void {
    for (const [key, k] of this.kinds) {
      clearTimeout(k.summary);
      k.summary = undefined;
      this.summarise(key, k);
    }
  }

  private line(level: Level, key: string, obj: object, msg: string): void {
    const t = this.now();
    let k = this.kinds.get(key);
    if (!k) {
      k = { allowance: new Allowance(this.s.burst, this.s.perMinute / 60, this.now), suppressed: 0, since: t, level, msg, summary: undefined };
      this.kinds.set(key, k);
    }
    if (k.allowance.take()) {
      const held = k.suppressed;
      k.suppressed = 0;
      this.log[level](held ? { ...obj, suppressed: held, suppressedForS: Math.round((t - k.since) / 1000) } : obj, msg);
      return;
    }
    if (k.suppressed === 0) k.since = t;
    k.suppressed++;
    k.level = level;
    k.msg = msg;
    // Once the flood stops, one line says how much was held back: after the time the next line would
    // have been let through.
    this.schedule(key, k);
  }

  private schedule(key: string, k: Kind): void {
    if (k.summary) return;
    k.summary = setTimeout(
      () => {
        k.summary = undefined;
        if (!k.allowance.take()) return this.schedule(key, k); // still flooding: later
        this.summarise(key, k);
      },
      Math.ceil(60_000 / this.s.perMinute),
    );
    k.summary.unref?.();
  }

  private summarise(key: string, k: Kind): void {
    if (!k.suppressed) return;
    this.log[k.level](
      { kind: key, suppressed: k.suppressed, suppressedForS: Math.round((this.now() - k.since) / 1000) },
      `held back: ${k.suppressed} more lines like "${k.msg}"`,
    );
    k.suppressed = 0;
  }
}
