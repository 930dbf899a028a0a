// A rollout of a config or of a software release to a set of gateways, the way the platform runs it: in waves (e.g. 1 % → 10 % → the
// rest), offers sent at a bounded rate, the next wave only once every box of the current one has a final
// outcome, and an abort threshold — once `minAnswered` boxes have a final outcome, a failure share above
// `failurePct` stops the rollout: no box is offered anything after that (those that kept it keep it; a
// box decides its own rollback). Outcomes per box come from the box itself: its `cmd/result` (refused, or
// accepted: on probation, downloading) and its `config` or `update` event (kept, rolled back, failed); a
// box silent past its probation (for software: download and health time) and `answerTimeoutS` counts as
// timed out. Pure: the platform feeds it answers and time, and sends what it
// says to send.

export interface RolloutPlan {
  id: string;
  /** What is rolled out: a config (`apply-config`) or a software release (`update`). */
  kind: 'config' | 'software';
  /** The config's or the release's version. */
  version: string;
  gateways: readonly string[];
  /** Cumulative shares of the gateways per wave, the last 1: [0.01, 0.1, 1]. */
  waves: readonly number[];
  /** Offers sent per second at most. */
  ratePerS: number;
  abort: { failurePct: number; minAnswered: number };
  probationS: number;
  /** Beyond the probation: how long a box may stay silent before it counts as failed. */
  answerTimeoutS: number;
  /** Whether a box is connected now: an offer to a box that is not would be lost, so it waits its turn
   *  again (and holds its wave) until it is back. Default: every box is. */
  online?: (gw: string) => boolean;
}

type BoxState = 'waiting' | 'sent' | 'probation' | 'kept' | 'refused' | 'rolled-back' | 'failed' | 'timed-out';
const FINAL: ReadonlySet<BoxState> = new Set(['kept', 'refused', 'rolled-back', 'failed', 'timed-out']);
const FAILED: ReadonlySet<BoxState> = new Set(['refused', 'rolled-back', 'failed', 'timed-out']);

interface Box {
  gw: string;
  state: BoxState;
  sentAt?: number;
  reason?: string;
}

export interface RolloutView {
  id: string;
  kind: RolloutPlan['kind'];
  version: string;
  state: 'running' | 'done' | 'aborted';
  /** The wave under way (1-based), and how many waves there are. */
  wave: number;
  waves: number;
  counts: Record<BoxState, number>;
  /** Failed among the boxes with a final outcome, in %. */
  failurePct: number;
  reason: string | null;
  startedAt: number;
  endedAt: number | null;
}

export class Rollout {
  private readonly boxes: Box[];
  private readonly byGw = new Map<string, Box>();
  private wave = 0;
  private state: RolloutView['state'] = 'running';
  private reason: string | null = null;
  private credit = 1;
  private lastTick: number;
  private endedAt: number | null = null;
  readonly startedAt: number;

  constructor(
    readonly plan: RolloutPlan,
    private readonly send: (gw: string) => void,
    now: number,
  ) {
    if (!plan.gateways.length) throw new Error('a rollout needs at least one gateway');
    if (!plan.waves.length || plan.waves.at(-1) !== 1 || plan.waves.some((w, i) => w <= 0 || w > 1 || (i > 0 && w <= (plan.waves[i - 1] as number)))) {
      throw new Error(`waves must rise to 1, e.g. [0.01, 0.1, 1]; got [${plan.waves.join(', ')}]`);
    }
    this.boxes = plan.gateways.map((gw) => ({ gw, state: 'waiting' }));
    for (const b of this.boxes) this.byGw.set(b.gw, b);
    this.startedAt = now;
    this.lastTick = now;
  }

  /** How many boxes the current wave covers (counted from the first box): at least one per wave. */
  private waveEnd(): number {
    return Math.max(this.wave + 1, Math.ceil((this.plan.waves[this.wave] as number) * this.boxes.length));
  }

  /** Sends what is due, moves to the next wave, times out the silent, aborts or ends. */
  tick(now: number): void {
    if (this.state !== 'running') return;
    const timeout = (this.plan.probationS + this.plan.answerTimeoutS) * 1000;
    for (const b of this.boxes) {
      if ((b.state === 'sent' || b.state === 'probation') && now - (b.sentAt as number) > timeout) {
        b.state = 'timed-out';
        b.reason = `no outcome within ${this.plan.probationS + this.plan.answerTimeoutS} s`;
      }
    }
    if (this.checkAbort(now)) return;
    const end = this.waveEnd();
    const wave = this.boxes.slice(0, end);
    if (wave.every((b) => FINAL.has(b.state))) {
      if (end >= this.boxes.length) {
        this.state = 'done';
        this.endedAt = now;
        return;
      }
      this.wave++;
    }
    // At the rate: the credit grows with time (at most a second's worth), one offer per unit of it.
    this.credit = Math.min(Math.max(1, this.plan.ratePerS), this.credit + ((now - this.lastTick) * this.plan.ratePerS) / 1000);
    this.lastTick = now;
    for (const b of this.boxes.slice(0, this.waveEnd())) {
      if (this.credit < 1) break;
      if (b.state !== 'waiting' || (this.plan.online && !this.plan.online(b.gw))) continue;
      this.credit--;
      b.state = 'sent';
      b.sentAt = now;
      this.send(b.gw);
    }
  }

  /** The box's answer to the offer (`cmd/result`); `state` is its result's (`kept`: it runs that config already). */
  answered(gw: string, ok: boolean, reason: string | null, now: number, state?: unknown): void {
    const b = this.byGw.get(gw);
    if (!b || b.state !== 'sent') return;
    b.state = !ok ? 'refused' : state === 'kept' ? 'kept' : 'probation';
    if (reason) b.reason = reason;
    this.checkAbort(now);
  }

  /** The box's `config` or `update` event: kept, rolled back, or (an update) failed before the switch. */
  outcome(gw: string, state: 'kept' | 'rolled-back' | 'failed', reason: string | null, now: number): boolean {
    const b = this.byGw.get(gw);
    if (!b || FINAL.has(b.state) || b.state === 'waiting') return false;
    b.state = state;
    if (reason) b.reason = reason;
    this.checkAbort(now);
    return true;
  }

  private checkAbort(now: number): boolean {
    if (this.state !== 'running') return true;
    const finals = this.boxes.filter((b) => FINAL.has(b.state));
    const failed = finals.filter((b) => FAILED.has(b.state)).length;
    const pct = finals.length ? (100 * failed) / finals.length : 0;
    if (finals.length >= this.plan.abort.minAnswered && pct > this.plan.abort.failurePct) {
      this.state = 'aborted';
      this.endedAt = now;
      this.reason = `${failed} of ${finals.length} boxes failed (${pct.toFixed(1)} % > ${this.plan.abort.failurePct} %) in wave ${this.wave + 1}`;
      return true;
    }
    return false;
  }

  view(): RolloutView {
    const counts = { waiting: 0, sent: 0, probation: 0, kept: 0, refused: 0, 'rolled-back': 0, failed: 0, 'timed-out': 0 } as Record<BoxState, number>;
    for (const b of this.boxes) counts[b.state]++;
    const finals = counts.kept + counts.refused + counts['rolled-back'] + counts.failed + counts['timed-out'];
    const failed = finals - counts.kept;
    return {
      id: this.plan.id,
      kind: this.plan.kind,
      version: this.plan.version,
      state: this.state,
      wave: this.wave + 1,
      waves: this.plan.waves.length,
      counts,
      failurePct: finals ? Math.round((1000 * failed) / finals) / 10 : 0,
      reason: this.reason,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
    };
  }

  /** Each box's state and why, for the per-box view. */
  boxesView(): readonly Readonly<Box>[] {
    return this.boxes;
  }
}
