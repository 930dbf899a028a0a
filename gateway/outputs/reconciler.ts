// Acting (docs/architecture.md invariant 6): every output has a desired level (from linkage, a reset, a silence, the
// safe state) and an observed one (what its driver read back). The reconciler drives every output whose
// observed level differs from the desired one, and keeps doing so, with a bounded backoff (1 s → 10 s),
// until it is observed there; it re-reads each output that can be read every few seconds, so a relay
// module that reboots (coils back to off) is found and re-driven while the alarm holds.
//
// A driver that fails, or a read-back that disagrees, is an output *fault*: reported (a `failed` output
// event, the status page, the heartbeat), never a reason to undo the demand. The one exception is the
// safe direction: a gas valve that cannot be confirmed open is closed instead (`onValveUnconfirmed`).
//
// A drive or a read is judged against the demand it was made for: when the demand changes while one is on
// the bus (a reset while a verify read waits behind a silent device), its answer is stale, and the next
// step drives the new demand instead of calling the old answer a fault.
//
// Nothing here waits on storage or the network: events leave through `onEvent`, whose failures are the
// recorder's business.

import type { Output } from '../../config/index.js';
import type { Level, OutputDriver } from '../../drivers/outputs/output.js';
import type { OutputEvent } from '../events.js';
import type { Demand } from '../linkage/linkage.js';

export interface ReconcilerTiming {
  /** First retry after a failure; doubles up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** How often an output that can be read back is read again. */
  verifyMs: number;
}

const DEFAULT_TIMING: ReconcilerTiming = { retryMinMs: 1000, retryMaxMs: 10_000, verifyMs: 2000 };

export interface ReconcilerOptions {
  newId: () => string;
  onEvent: (e: OutputEvent) => void;
  /** A gas valve that was to open could not be confirmed open: the caller closes it (the safe way). */
  onValveUnconfirmed?: (output: string, detail: string) => void;
  /** Wall time for events, monotonic time for timers (injectable for tests). */
  now?: () => number;
  mono?: () => number;
  timing?: Partial<ReconcilerTiming>;
}

/** One output as the status page, the heartbeat and `status` show it. */
export interface OutputStatus {
  /** The level observed last (read back, or driven where nothing can be read back); null: not known. */
  level: Level | null;
  desired: Level | null;
  ok: boolean;
  /** Why it is not ok: the driver's error, or the disagreeing read-back. */
  detail?: string;
  /** Drives and reads that failed in a row. */
  failures: number;
  reason: string | null;
}

interface Slot {
  id: string;
  config: Output;
  driver: OutputDriver;
  desired: Demand | undefined;
  /** Set when the desired level changed: drive now, and confirm it with an event. */
  unconfirmed: boolean;
  observed: Level | undefined;
  fault: string | undefined;
  /** A failed event was sent for the current fault (one per fault, not one per retry). */
  faultReported: boolean;
  failures: number;
  backoff: number;
  nextAt: number;
  busy: Promise<void> | undefined;
  /** Callers waiting for the outcome of the current demand (`outcome`). */
  waiters: ((o: Outcome) => void)[];
}

/** What became of a demand: reached (confirmed), or why not. */
export interface Outcome {
  ok: boolean;
  /** The level observed when it was decided; null: not known. */
  level: Level | null;
  detail: string;
}

export class Reconciler {
  private readonly slots = new Map<string, Slot>();
  private readonly timing: ReconcilerTiming;
  private readonly now: () => number;
  private readonly mono: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    outputs: ReadonlyMap<string, { config: Output; driver: OutputDriver }>,
    private readonly o: ReconcilerOptions,
  ) {
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.now = o.now ?? Date.now;
    this.mono = o.mono ?? (() => performance.now());
    for (const [id, { config, driver }] of outputs) {
      this.slots.set(id, {
        id,
        config,
        driver,
        desired: undefined,
        unconfirmed: false,
        observed: undefined,
        fault: undefined,
        faultReported: false,
        failures: 0,
        backoff: this.timing.retryMinMs,
        nextAt: 0,
        busy: undefined,
        waiters: [],
      });
    }
  }

  /** Starts the loop that retries and re-reads (every `periodMs`). */
  start(periodMs = 200): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.step(), periodMs);
    this.timer.unref?.();
  }

  /** New desired levels: those that changed are commanded (an event) and driven at once. */
  setDesired(demands: ReadonlyMap<string, Demand>): void {
    for (const [id, d] of demands) {
      const s = this.slots.get(id);
      if (!s) continue;
      if (s.desired?.level === d.level) {
        s.desired = d;
        continue;
      }
      s.desired = d;
      this.answer(s, { ok: false, level: s.observed ?? null, detail: `the demand changed to ${d.action} (${d.reason})` });
      s.unconfirmed = true;
      s.faultReported = false;
      s.backoff = this.timing.retryMinMs;
      s.nextAt = 0;
      this.emit(s, 'commanded');
    }
    void this.step();
  }

  /** Something says these outputs may work again (their device came back online): retry them now. */
  retryNow(ids: Iterable<string>): void {
    for (const id of ids) {
      const s = this.slots.get(id);
      if (s && (s.fault !== undefined || s.observed === undefined)) {
        s.nextAt = 0;
        s.backoff = this.timing.retryMinMs;
      }
    }
    void this.step();
  }

  /** Runs what is due: drives where observed ≠ desired, re-reads where it is time. Resolves when done. */
  async step(): Promise<void> {
    const t = this.mono();
    const work: Promise<void>[] = [];
    for (const s of this.slots.values()) {
      if (s.busy) {
        work.push(s.busy);
        continue;
      }
      if (!s.desired || t < s.nextAt || this.stopped) continue;
      s.busy = this.reconcile(s).finally(() => {
        s.busy = undefined;
        // A demand that changed while this one was on the bus is driven now, not at the next tick.
        if (s.unconfirmed && !this.stopped && this.mono() >= s.nextAt) void this.step();
      });
      work.push(s.busy);
    }
    await Promise.all(work);
  }

  private async reconcile(s: Slot): Promise<void> {
    const want = s.desired as Demand;
    const needsDrive = s.unconfirmed || s.observed !== want.level || s.fault !== undefined;
    if (!needsDrive) {
      // Re-read: what the hardware shows may have changed under us (a module rebooted, a hand on it).
      let seen: Level | undefined;
      try {
        seen = await s.driver.read();
      } catch (err) {
        if (s.desired?.level !== want.level) return; // stale: the new demand is driven next
        return this.failed(s, `read-back failed: ${(err as Error).message}`, undefined);
      }
      if (s.desired?.level !== want.level) return; // stale: this read checked the old demand
      if (seen === undefined || seen === want.level) {
        s.nextAt = this.mono() + this.timing.verifyMs;
        return;
      }
      s.observed = seen;
      this.failed(s, `found ${seen} while ${want.level} is demanded: re-driving`, seen);
      s.nextAt = 0; // re-drive at once, not after the backoff
      return this.reconcile(s);
    }
    const level = want.level;
    try {
      const r = await s.driver.set(level);
      // The demand may have changed while the write was on the bus: the next step drives the new one.
      if (s.desired?.level !== level) return;
      if (r.readBack !== undefined && r.readBack !== level) return this.failed(s, `read back ${r.readBack} after driving ${level}`, r.readBack);
      s.observed = r.readBack ?? level;
      const recovered = s.fault !== undefined;
      const attempts = s.failures + 1;
      s.fault = undefined;
      s.failures = 0;
      s.backoff = this.timing.retryMinMs;
      s.nextAt = this.mono() + this.timing.verifyMs;
      if (s.unconfirmed || recovered) {
        s.unconfirmed = false;
        const how = r.readBack !== undefined ? `read back ${r.readBack}` : 'no read-back on this driver';
        const detail = attempts > 1 ? `${how} after ${attempts} attempts` : how;
        this.emit(s, 'confirmed', detail);
        this.answer(s, { ok: true, level: s.observed, detail });
      }
    } catch (err) {
      if (s.desired?.level !== level) return;
      this.failed(s, (err as Error).message, undefined);
    }
  }

  private failed(s: Slot, detail: string, observed: Level | undefined): void {
    s.observed = observed;
    s.fault = detail;
    s.failures++;
    s.nextAt = this.mono() + s.backoff;
    s.backoff = Math.min(s.backoff * 2, this.timing.retryMaxMs);
    if (!s.faultReported) {
      s.faultReported = true;
      this.emit(s, 'failed', detail);
    }
    this.answer(s, { ok: false, level: observed ?? null, detail });
    const want = s.desired;
    if (s.config.role === 'gas-valve' && want && want.action === 'open') this.o.onValveUnconfirmed?.(s.id, detail);
  }

  private emit(s: Slot, status: OutputEvent['status'], detail?: string): void {
    const d = s.desired as Demand;
    this.o.onEvent({
      type: 'output',
      id: this.o.newId(),
      output: s.id,
      role: s.config.role,
      action: d.action,
      level: d.level,
      status,
      reason: d.reason,
      ...(detail !== undefined ? { detail } : {}),
      ...(d.cause ? { cause: d.cause } : {}),
      at: this.now(),
    });
  }

  /**
   * What becomes of the current demand on `id` for `level`: resolved when it is confirmed, when it fails,
   * when the demand changes, or after `timeoutMs` (then not ok, with what is observed). A reset answers
   * with this, so the installer is told what the valve did, not what was asked of it.
   */
  outcome(id: string, level: Level, timeoutMs: number): Promise<Outcome> {
    const s = this.slots.get(id);
    if (!s) return Promise.resolve({ ok: false, level: null, detail: `no output "${id}"` });
    if (s.desired?.level !== level) return Promise.resolve({ ok: false, level: s.observed ?? null, detail: `${level} is not demanded` });
    if (!s.unconfirmed && s.fault === undefined && s.observed === level) return Promise.resolve({ ok: true, level, detail: 'already there' });
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        s.waiters = s.waiters.filter((w) => w !== done);
        resolve({ ok: false, level: s.observed ?? null, detail: `not confirmed within ${timeoutMs} ms${s.fault ? `: ${s.fault}` : ''}` });
      }, timeoutMs);
      timer.unref?.();
      const done = (o: Outcome) => {
        clearTimeout(timer);
        resolve(o);
      };
      s.waiters.push(done);
    });
  }

  private answer(s: Slot, o: Outcome): void {
    const waiting = s.waiters;
    if (!waiting.length) return;
    s.waiters = [];
    for (const done of waiting) done(o);
  }

  status(): Record<string, OutputStatus> {
    const out: Record<string, OutputStatus> = {};
    for (const s of this.slots.values()) {
      out[s.id] = {
        level: s.observed ?? null,
        desired: s.desired?.level ?? null,
        ok: s.fault === undefined,
        ...(s.fault !== undefined ? { detail: s.fault } : {}),
        failures: s.failures,
        reason: s.desired?.reason ?? null,
      };
    }
    return out;
  }

  /** Outputs whose observed level is not (yet) the desired one. */
  unsettled(): string[] {
    return [...this.slots.values()].filter((s) => s.desired && (s.fault !== undefined || s.observed !== s.desired.level)).map((s) => s.id);
  }

  /**
   * Shutdown: stops the loop, waits for what is on the wire, then drives every output to `demands` once,
   * each bounded by `timeoutMs`. Returns the outputs that could not be confirmed there, with why.
   */
  async settle(demands: ReadonlyMap<string, Demand>, timeoutMs: number): Promise<{ output: string; detail: string }[]> {
    clearInterval(this.timer);
    this.stopped = true;
    const deadline = <T>(p: Promise<T>, what: string) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
    const busy = [...this.slots.values()].flatMap((s) => (s.busy ? [s.busy] : []));
    await deadline(Promise.all(busy), 'waiting for writes in progress').catch(() => undefined);
    const failed: { output: string; detail: string }[] = [];
    await Promise.all(
      [...demands].map(async ([id, d]) => {
        const s = this.slots.get(id);
        if (!s) return;
        if (s.desired?.level !== d.level) {
          s.desired = d;
          this.emit(s, 'commanded');
        } else s.desired = d;
        try {
          const r = await deadline(s.driver.set(d.level), s.driver.label);
          if (r.readBack !== undefined && r.readBack !== d.level) throw new Error(`read back ${r.readBack} after driving ${d.level}`);
          s.observed = r.readBack ?? d.level;
          s.fault = undefined;
          this.emit(s, 'confirmed', r.readBack !== undefined ? `read back ${r.readBack}` : 'no read-back on this driver');
        } catch (err) {
          s.fault = (err as Error).message;
          failed.push({ output: id, detail: s.fault });
          this.emit(s, 'failed', s.fault);
        }
      }),
    );
    return failed;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await Promise.all([...this.slots.values()].map((s) => s.driver.close().catch(() => undefined)));
  }
}
