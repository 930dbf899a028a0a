// Telemetry without one message per poll (SD cards wear out): the last values stay in memory; every
// interval one summary (min/avg/max/last per channel) goes out, and between summaries a value that moved
// beyond its deadband since it was last sent goes out as an exception, batched.

import type { SignalKind } from '../../config/index.js';
import type { DecodedPoint } from '../../drivers/plan/codec.js';

/** How far a value must move to be reported before the next summary. */
const DEADBANDS: Partial<Record<SignalKind, number>> = {
  gas: 1,
  'residual-current': 10,
  temperature: 1,
  'smoke-density': 0.02,
  current: 1,
  voltage: 2,
};

interface Stats {
  unit?: string;
  min: number;
  max: number;
  sum: number;
  n: number;
  last: number;
  lastSent?: number;
}

export interface Summary {
  device: string;
  channel: string;
  unit?: string;
  min: number;
  avg: number;
  max: number;
  last: number;
  n: number;
}

export class TelemetryAggregator {
  private stats = new Map<string, Stats>();
  private exceptions = new Map<string, Summary>();

  /** Numeric points of the kinds worth reporting; status words and settings are not telemetry. */
  add(device: string, points: Readonly<Record<string, DecodedPoint>>): void {
    for (const [channel, p] of Object.entries(points)) {
      if (typeof p.value !== 'number' || DEADBANDS[p.kind] === undefined || !Number.isFinite(p.value)) continue;
      const key = `${device}/${channel}`;
      const v = p.value;
      let s = this.stats.get(key);
      if (!s) {
        s = { min: v, max: v, sum: 0, n: 0, last: v, ...(p.unit !== undefined ? { unit: p.unit } : {}) };
        this.stats.set(key, s);
      }
      s.min = Math.min(s.min, v);
      s.max = Math.max(s.max, v);
      s.sum += v;
      s.n++;
      s.last = v;
      const band = DEADBANDS[p.kind] as number;
      if (s.lastSent === undefined || Math.abs(v - s.lastSent) >= band) {
        s.lastSent = v;
        this.exceptions.set(key, { device, channel, ...(s.unit !== undefined ? { unit: s.unit } : {}), min: v, avg: v, max: v, last: v, n: 1 });
      }
    }
  }

  /** The exceptions gathered since the last call. */
  takeExceptions(): Summary[] {
    const out = [...this.exceptions.values()];
    this.exceptions.clear();
    return out;
  }

  /** The summary of the interval; statistics start again, the last sent values are kept. */
  takeSummary(): Summary[] {
    const out: Summary[] = [];
    for (const [key, s] of this.stats) {
      if (s.n === 0) continue;
      const [device, channel] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const round = (x: number) => Number(x.toPrecision(8));
      out.push({ device, channel, ...(s.unit !== undefined ? { unit: s.unit } : {}), min: s.min, avg: round(s.sum / s.n), max: s.max, last: s.last, n: s.n });
      s.min = s.last;
      s.max = s.last;
      s.sum = 0;
      s.n = 0;
    }
    return out;
  }
}
