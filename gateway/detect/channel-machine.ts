// The state machine of one channel: normal, warning (预警), alarm (报警) or fault (故障). Pure: fed
// observations with their monotonic time, it answers with a transition or nothing. No I/O, no clock.
//
// - Raising needs the condition to hold for the on-delay; clearing is at once, but only once the value
//   is back past the threshold by the hysteresis.
// - The device's own verdicts (status bits) are taken at once.
// - A channel that cannot be read, reads outside its sensor's range, is frozen, or whose device says
//   fault, is in fault: never normal (invariant 5). Leaving fault goes straight to what the readings say.
// - A latched alarm stays until reset, and a reset is refused while the condition still holds. While
//   latched, the alarm stands even if the channel can no longer be read (the valve stays closed).

import type { ChannelRules } from './rules.js';

export type ChannelState = 'normal' | 'warning' | 'alarm' | 'fault';
type Level = 0 | 1 | 2; // normal, warning, alarm
const LEVEL_STATE: Record<Level, ChannelState> = { 0: 'normal', 1: 'warning', 2: 'alarm' };

export type Verdict = 'warning' | 'alarm' | 'fault';

export interface Observation {
  /** Monotonic milliseconds. */
  mono: number;
  /** The decoded value, when the device was read. */
  value?: number | boolean;
  /** Why the channel could not be read this time (timeout, exception 2, port closed …). */
  unreadable?: string;
  /** The device's own verdicts on this channel this time, with the bit or label that said so. */
  verdicts?: { state: Verdict; source: string }[];
}

export type TransitionReason =
  | 'threshold' // an analog threshold crossed (after the on-delay)
  | 'device' // the device's own status bit or value
  | 'rate-of-rise'
  | 'unreadable'
  | 'out-of-range'
  | 'stuck'
  | 'cleared' // back to a lower state by itself
  | 'reset'; // a latched alarm reset

export interface Transition {
  state: ChannelState;
  previousState: ChannelState;
  reason: TransitionReason;
  /** Human detail: "12.3 ≥ alarm 10", "al1", "timeout". */
  detail: string;
  value?: number | boolean;
  /** The threshold that decided, when one did. */
  threshold?: number;
  latched: boolean;
}

export interface ChannelSnapshot {
  state: ChannelState;
  latched: boolean;
}

export class ChannelMachine {
  private levelValue: Level = 0;
  private pending: [number | undefined, number | undefined, number | undefined] = [undefined, undefined, undefined];
  private latchedAlarm = false;
  private current: ChannelState = 'normal';
  private inFault = false;
  private lastValue: number | boolean | undefined;
  private lastChangeMono: number | undefined;
  private history: { mono: number; value: number }[] = [];
  /** What the last observation alone says, for deciding a reset; unknown until a good reading. */
  private conditionLevel: Level | 'unknown' = 'unknown';

  constructor(
    readonly rules: ChannelRules,
    restored?: ChannelSnapshot,
  ) {
    if (restored?.latched) {
      // A reboot in the middle of an alarm: it stands, and a reset waits for a reading that says so.
      this.latchedAlarm = true;
      this.current = 'alarm';
      this.levelValue = 2;
    }
  }

  get state(): ChannelState {
    return this.current;
  }

  get latched(): boolean {
    return this.latchedAlarm;
  }

  snapshot(): ChannelSnapshot {
    return { state: this.current, latched: this.latchedAlarm };
  }

  observe(o: Observation): Transition | undefined {
    const r = this.rules;
    const prev = this.current;
    const fault = this.faultOf(o);
    let next: ChannelState;
    let reason: TransitionReason;
    let detail: string;
    let threshold: number | undefined;

    if (fault) {
      this.inFault = true;
      this.conditionLevel = 'unknown';
      this.pending = [undefined, undefined, undefined];
      this.history = [];
      next = 'fault';
      ({ reason, detail } = fault);
    } else {
      const value = typeof o.value === 'number' ? o.value : undefined;
      const leavingFault = this.inFault;
      this.inFault = false;
      // 1. Analog thresholds with hysteresis and on-delay.
      let level: Level = this.levelValue;
      let thresholdInfo: { level: Level; threshold?: number; detail: string } = { level: 0, detail: '' };
      if (value !== undefined) {
        const raise = this.raiseLevel(value);
        const hold = this.holdLevel(value);
        thresholdInfo = raise;
        let allowed: Level = 0;
        for (const l of [1, 2] as const) {
          if (raise.level >= l) {
            this.pending[l] ??= o.mono;
            if (leavingFault || o.mono - (this.pending[l] as number) >= r.onDelayMs) allowed = l;
          } else this.pending[l] = undefined;
        }
        level = Math.max(allowed, Math.min(this.levelValue, hold)) as Level;
        this.levelValue = level;
      }
      // 2. Rate of rise.
      const ror = value !== undefined ? this.rateOfRise(o.mono, value) : undefined;
      // 3. The device's own verdicts.
      const own = o.verdicts?.filter((v) => v.state !== 'fault') ?? [];
      const ownLevel: Level = own.some((v) => v.state === 'alarm') ? 2 : own.length ? 1 : 0;

      const combined = Math.max(level, ownLevel, ror ? 2 : 0) as Level;
      this.conditionLevel = Math.max(thresholdInfo.level, ownLevel, ror ? 2 : 0) as Level;
      next = LEVEL_STATE[combined];
      // Name what decided: the device's own verdict first (it is taken at once), then the threshold.
      if (combined === 0) {
        reason = 'cleared';
        detail = value === undefined ? 'device verdict cleared' : `${value} back within limits`;
      } else if (ownLevel === combined) {
        reason = 'device';
        detail = own
          .filter((v) => LEVEL_STATE[combined] === v.state)
          .map((v) => v.source)
          .join(', ');
      } else if (level === combined) {
        reason = 'threshold';
        detail = thresholdInfo.level ? thresholdInfo.detail : `${String(value)} within hysteresis of the threshold`;
        threshold = thresholdInfo.threshold;
      } else {
        reason = 'rate-of-rise';
        detail = ror ?? '';
      }
    }

    if (r.latch && next === 'alarm') this.latchedAlarm = true;
    if (this.latchedAlarm && next !== 'alarm') {
      // The alarm stands until a reset; a fault underneath is not allowed to hide it.
      next = 'alarm';
    }
    this.current = next;
    if (next === prev) return undefined;
    const t: Transition = { state: next, previousState: prev, reason, detail, latched: this.latchedAlarm };
    if (o.value !== undefined) t.value = o.value;
    if (threshold !== undefined) t.threshold = threshold;
    return t;
  }

  /**
   * Resets a latched alarm. Refused (with the reason) when nothing is latched or the last observation
   * still says alarm. On success the channel goes to what the readings say.
   */
  reset(): { ok: true; transition?: Transition } | { ok: false; reason: string } {
    if (!this.latchedAlarm) return { ok: false, reason: 'no latched alarm on this channel' };
    if (this.conditionLevel === 'unknown') return { ok: false, reason: 'no good reading since the alarm: the channel cannot be confirmed safe' };
    if (this.conditionLevel === 2) return { ok: false, reason: 'the alarm condition still holds' };
    this.latchedAlarm = false;
    const prev = this.current;
    this.levelValue = Math.min(this.levelValue, this.conditionLevel) as Level;
    this.current = this.inFault ? 'fault' : LEVEL_STATE[this.levelValue];
    if (this.current === prev) return { ok: true };
    return { ok: true, transition: { state: this.current, previousState: prev, reason: 'reset', detail: 'latched alarm reset', latched: false } };
  }

  private faultOf(o: Observation): { reason: TransitionReason; detail: string } | undefined {
    if (o.unreadable !== undefined) return { reason: 'unreadable', detail: o.unreadable };
    const own = o.verdicts?.find((v) => v.state === 'fault');
    if (own) return { reason: 'device', detail: own.source };
    const r = this.rules;
    if (typeof o.value === 'number') {
      if (!Number.isFinite(o.value)) return { reason: 'out-of-range', detail: `${o.value} is not a number` };
      if (r.range && (o.value < r.range.min || o.value > r.range.max)) {
        return { reason: 'out-of-range', detail: `${o.value} outside the sensor range ${r.range.min}–${r.range.max}` };
      }
    }
    if (r.stuckAfterMs !== undefined && o.value !== undefined) {
      if (o.value !== this.lastValue || this.lastChangeMono === undefined) {
        this.lastValue = o.value;
        this.lastChangeMono = o.mono;
      } else if (o.mono - this.lastChangeMono >= r.stuckAfterMs) {
        return { reason: 'stuck', detail: `${String(o.value)} unchanged for ${Math.round((o.mono - this.lastChangeMono) / 1000)} s` };
      }
    }
    return undefined;
  }

  /** The level a value reaches without hysteresis: what raising looks at. */
  private raiseLevel(v: number): { level: Level; threshold?: number; detail: string } {
    const r = this.rules;
    if (r.alarm !== undefined && v >= r.alarm) return { level: 2, threshold: r.alarm, detail: `${v} ≥ alarm ${r.alarm}` };
    if (r.lowAlarm !== undefined && v <= r.lowAlarm) return { level: 2, threshold: r.lowAlarm, detail: `${v} ≤ low alarm ${r.lowAlarm}` };
    if (r.warning !== undefined && v >= r.warning) return { level: 1, threshold: r.warning, detail: `${v} ≥ warning ${r.warning}` };
    if (r.lowWarning !== undefined && v <= r.lowWarning) return { level: 1, threshold: r.lowWarning, detail: `${v} ≤ low warning ${r.lowWarning}` };
    return { level: 0, detail: '' };
  }

  /** The level a value keeps with hysteresis: what clearing looks at. */
  private holdLevel(v: number): Level {
    const r = this.rules;
    const h = r.hysteresis;
    // Clears only once strictly below threshold − hysteresis (above it for lower thresholds).
    if ((r.alarm !== undefined && v >= r.alarm - h) || (r.lowAlarm !== undefined && v <= r.lowAlarm + h)) return 2;
    if ((r.warning !== undefined && v >= r.warning - h) || (r.lowWarning !== undefined && v <= r.lowWarning + h)) return 1;
    return 0;
  }

  /** Rise per minute over the last minute (needs ≥ 20 s of history): cable temperature climbing fast. */
  private rateOfRise(mono: number, value: number): string | undefined {
    const limit = this.rules.rateOfRisePerMin;
    if (limit === undefined) return undefined;
    this.history.push({ mono, value });
    while (this.history.length && mono - (this.history[0] as { mono: number }).mono > 60_000) this.history.shift();
    const first = this.history[0] as { mono: number; value: number };
    const span = mono - first.mono;
    if (span < 20_000) return undefined;
    const perMin = ((value - first.value) * 60_000) / span;
    return perMin >= limit ? `rising ${perMin.toFixed(1)}/min ≥ ${limit}/min` : undefined;
  }
}
