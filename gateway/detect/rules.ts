// The rules one channel is judged by: thresholds from the signal kind's defaults (docs/domain.md §5) with
// the config's overrides, hysteresis, on-delay, latching, rate of rise, the sensor's valid range.
//
// Default on-delays keep the response times of docs/domain.md §4 at the default 1 s poll. The worst case from
// a value crossing a threshold to the state change is: one poll interval (the crossing happens just
// after a read) + the on-delay rounded up to whole polls + one read (≤ the bus timeout):
//   gas             1 s + 2 s + 0.5 s = 3.5 s   (GB 50166: detector responds within 30 s)
//   residual current 1 s + 3 s + 0.5 s = 4.5 s  (GB 14287.2: ≤ 30 s)
//   cable temperature 1 s + 5 s + 0.5 s = 6.5 s (GB 50166 §4.8.5: alarm lamp within 40 s)
//   smoke density   1 s + 2 s + 0.5 s = 3.5 s; a detector's own alarm bit: 1.5 s, no on-delay
// leaving ≥ 6 s of the 10 s that GB 26875.1 allows from a fire alarm to the monitoring centre for the
// uplink. A longer poll interval adds to each line; check-config warns when a total passes its limit.

import type { ChannelConfig, Point, SignalKind } from '../../config/index.js';
import { KIND_DEFAULTS, THRESHOLD_RULES } from '../../config/signals.js';

export interface ChannelRules {
  kind: SignalKind;
  unit?: string;
  warning?: number;
  alarm?: number;
  lowWarning?: number;
  lowAlarm?: number;
  hysteresis: number;
  onDelayMs: number;
  latch: boolean;
  rateOfRisePerMin?: number;
  range?: { min: number; max: number };
  stuckAfterMs?: number;
}

/** Fire and gas: reset only as the standards allow (fire remotely or locally, gas only locally). */
export function isFireKind(kind: SignalKind): boolean {
  return kind === 'smoke' || kind === 'smoke-density' || kind === 'temperature';
}

export function channelRules(point: Point, config: ChannelConfig | undefined): ChannelRules {
  const t = THRESHOLD_RULES[point.kind];
  const d = KIND_DEFAULTS[point.kind] ?? { hysteresis: 0, onDelayMs: 0, latch: false };
  const pick = <K extends keyof ChannelConfig>(k: K) => config?.[k];
  const rules: ChannelRules = {
    kind: point.kind,
    hysteresis: pick('hysteresis') ?? d.hysteresis,
    onDelayMs: pick('onDelayMs') ?? d.onDelayMs,
    latch: pick('latch') ?? d.latch,
  };
  if (point.unit !== undefined) rules.unit = point.unit;
  const warning = pick('warning') ?? t?.warning;
  const alarm = pick('alarm') ?? t?.alarm;
  if (warning !== undefined) rules.warning = warning;
  if (alarm !== undefined) rules.alarm = alarm;
  const lw = pick('lowWarning');
  const la = pick('lowAlarm');
  if (lw !== undefined) rules.lowWarning = lw;
  if (la !== undefined) rules.lowAlarm = la;
  const ror = pick('rateOfRisePerMin');
  if (ror !== undefined) rules.rateOfRisePerMin = ror;
  const stuck = pick('stuckAfterMs');
  if (stuck !== undefined) rules.stuckAfterMs = stuck;
  if (point.range) rules.range = point.range;
  return rules;
}
