// Polls the devices of one bus, each at its own interval, one transaction at a time (the bus
// serialises them anyway). Keeps each device's status (online/offline, last reason, counters) and
// backs a dead device off through its circuit breaker so it cannot slow the rest of the bus.

import { EventEmitter } from 'node:events';
import type { DecodedPoint } from '../plan/codec.js';
import { ModbusError } from '../modbus/errors.js';
import { Breaker } from './breaker.js';
import type { Bus } from './bus.js';
import { planDevice, readDevice, type DevicePlan, type DeviceSpec } from './device-reader.js';

export interface PolledDevice extends DeviceSpec {
  pollIntervalMs: number;
}

export interface DeviceStatus {
  id: string;
  /** undefined until the first poll has an outcome. */
  online: boolean | undefined;
  /** "ok", "timeout", "crc" (replies came but failed their CRC), "exception 2", "port closed: …". */
  lastReason: string;
  polls: number;
  failures: number;
  /** Modbus transactions sent for this device, and how many of them were retries. */
  requests: number;
  retries: number;
  consecutiveFailures: number;
  lastGoodAt: number | undefined;
  breaker: 'closed' | 'open';
}

export interface PollerEvents {
  reading: [device: string, points: Record<string, DecodedPoint>, at: number];
  status: [status: DeviceStatus];
}

export interface PollerOptions {
  /** Failed polls in a row before a device is reported offline. */
  offlineAfter: number;
  breakerFailures: number;
  breakerBudget: number;
  maxProbeMs: number;
}

const DEFAULTS: PollerOptions = { offlineAfter: 2, breakerFailures: 3, breakerBudget: 0.05, maxProbeMs: 60_000 };

interface Entry {
  spec: PolledDevice;
  plan: DevicePlan;
  breaker: Breaker;
  status: DeviceStatus;
  dueAt: number;
}

export class Poller extends EventEmitter<PollerEvents> {
  private readonly entries: Entry[];
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly bus: Bus,
    devices: readonly PolledDevice[],
    options: Partial<PollerOptions> = {},
  ) {
    super();
    const o = { ...DEFAULTS, ...options };
    const cost = bus.options.timeoutMs + bus.options.lateReplyGuardMs;
    this.entries = devices.map((spec) => ({
      spec,
      plan: planDevice(spec),
      breaker: new Breaker({ failureThreshold: o.breakerFailures, attemptCostMs: cost, budget: o.breakerBudget, maxProbeMs: o.maxProbeMs }),
      status: {
        id: spec.id,
        online: undefined,
        lastReason: 'not polled yet',
        polls: 0,
        failures: 0,
        requests: 0,
        retries: 0,
        consecutiveFailures: 0,
        lastGoodAt: undefined,
        breaker: 'closed',
      },
      dueAt: 0,
    }));
    this.offlineAfter = o.offlineAfter;
    bus.on('link', (up) => {
      if (up) this.wake?.();
    });
  }

  private readonly offlineAfter: number;

  statuses(): DeviceStatus[] {
    return this.entries.map((e) => ({ ...e.status }));
  }

  plans(): { id: string; plan: DevicePlan }[] {
    return this.entries.map((e) => ({ id: e.spec.id, plan: e.plan }));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** When the loop last turned (monotonic ms). It turns at least every second, or after each poll, whose
   *  time the bus bounds: a loop that stops turning is hung, and the watchdog stops vouching for it. */
  get lastTurn(): number {
    return this.turnAt;
  }

  private turnAt = performance.now();

  private async run(): Promise<void> {
    while (this.running) {
      const now = performance.now();
      this.turnAt = now;
      let next: Entry | undefined;
      let nextAt = Infinity;
      for (const e of this.entries) {
        const at = e.breaker.state === 'open' ? Math.max(e.dueAt, e.breaker.probeDueAt) : e.dueAt;
        if (at < nextAt) {
          nextAt = at;
          next = e;
        }
      }
      if (!next) return;
      if (nextAt > now || !this.bus.linkUp) {
        // Sleep until the next device is due, or the link comes back (checked at least every second).
        const ms = this.bus.linkUp ? nextAt - now : 1000;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(ms, 1000));
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
        if (!this.bus.linkUp) this.markAll('port closed: ' + this.bus.linkReason);
        continue;
      }
      await this.poll(next);
      // Next due time keeps the cadence without catch-up bursts after a stall.
      next.dueAt = Math.max(next.dueAt + next.spec.pollIntervalMs, performance.now());
    }
  }

  private async poll(e: Entry): Promise<void> {
    e.status.polls++;
    const before = this.bus.snapshot();
    const count = () => {
      const after = this.bus.snapshot();
      e.status.requests += after.transactions - before.transactions;
      e.status.retries += after.retries - before.retries;
      return after;
    };
    try {
      const points = await readDevice(this.bus, e.spec.slaveId, e.plan, e.breaker.retriesAllowed ? {} : { retries: 0 });
      count();
      e.breaker.onSuccess();
      const at = Date.now();
      e.status.consecutiveFailures = 0;
      e.status.lastGoodAt = at;
      e.status.breaker = 'closed';
      this.setOnline(e, true, 'ok');
      this.emit('reading', e.spec.id, points, at);
    } catch (err) {
      if (err instanceof ModbusError && err.code === 'aborted') return;
      const after = count();
      // On the wire a corrupted reply is a missing reply; say which it was.
      const crc = err instanceof ModbusError && err.code === 'timeout' && after.crcErrors > before.crcErrors;
      const reason = crc ? 'crc' : err instanceof ModbusError ? err.reason : (err as Error).message;
      e.breaker.onFailure(performance.now());
      e.status.failures++;
      e.status.consecutiveFailures++;
      e.status.breaker = e.breaker.state;
      if (e.status.consecutiveFailures >= this.offlineAfter) this.setOnline(e, false, reason);
      else e.status.lastReason = reason;
    }
  }

  private setOnline(e: Entry, online: boolean, reason: string): void {
    const changed = e.status.online !== online || (!online && e.status.lastReason !== reason);
    e.status.online = online;
    e.status.lastReason = reason;
    if (changed) this.emit('status', { ...e.status });
  }

  private markAll(reason: string): void {
    for (const e of this.entries) if (e.status.online !== false) this.setOnline(e, false, reason);
  }
}
