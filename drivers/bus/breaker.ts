// Per-device circuit breaker. A dead device costs a full timeout on every attempt, and on a shared
// RS-485 line that time is taken from every other device. After a few failures in a row the device is
// only probed, at an interval long enough that its timeouts cost the bus at most `budget` of its time
// (default 5 %, half the 10 % that docs/architecture.md invariant 4 allows), growing to `maxProbeMs`.
// Pure logic: the caller passes the time.

export interface BreakerOptions {
  /** Failures in a row that open the breaker. */
  failureThreshold: number;
  /** What one failed attempt costs the bus (its timeout, plus retries if any). */
  attemptCostMs: number;
  /** Largest share of bus time a dead device may take. */
  budget: number;
  /** Longest wait between probes. */
  maxProbeMs: number;
}

export type BreakerState = 'closed' | 'open';

export class Breaker {
  private failures = 0;
  private failedProbes = 0;
  private nextProbeAt = 0;
  state: BreakerState = 'closed';

  constructor(private readonly o: BreakerOptions) {}

  /** May the device be polled now? Closed: always. Open: only when its probe is due. */
  mayAttempt(now: number): boolean {
    return this.state === 'closed' || now >= this.nextProbeAt;
  }

  /** Retries are for healthy devices only: a probe of a dead device gets one try. */
  get retriesAllowed(): boolean {
    return this.state === 'closed';
  }

  /** When the next probe is due (open breaker), for schedulers that sleep until then. */
  get probeDueAt(): number {
    return this.nextProbeAt;
  }

  onSuccess(): void {
    this.failures = 0;
    this.failedProbes = 0;
    this.state = 'closed';
  }

  onFailure(now: number): void {
    this.failures++;
    if (this.state === 'open') this.failedProbes++;
    if (this.failures >= this.o.failureThreshold) {
      this.state = 'open';
      const minInterval = this.o.attemptCostMs / this.o.budget;
      const interval = Math.min(minInterval * 2 ** Math.min(this.failedProbes, 16), Math.max(this.o.maxProbeMs, minInterval));
      this.nextProbeAt = now + interval;
    }
  }
}
