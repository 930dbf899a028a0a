// Telemetry: one summary per interval and exceptions beyond the deadband, never one message per poll.
import { describe, expect, it } from 'vitest';
import type { DecodedPoint } from '../../drivers/plan/codec.js';
import { TelemetryAggregator } from './telemetry.js';

const gas = (v: number): Record<string, DecodedPoint> => ({
  lel: { value: v, raw: v * 10, unit: '%LEL', kind: 'gas' },
  status: { value: 0, raw: 0, kind: 'status' },
});

describe('telemetry aggregator', () => {
  it('summarises min/avg/max/last per channel and starts again each interval', () => {
    const t = new TelemetryAggregator();
    for (const v of [1, 3, 2]) t.add('gas1', gas(v));
    expect(t.takeSummary()).toEqual([{ device: 'gas1', channel: 'lel', unit: '%LEL', min: 1, avg: 2, max: 3, last: 2, n: 3 }]);
    t.add('gas1', gas(5));
    expect(t.takeSummary()).toEqual([{ device: 'gas1', channel: 'lel', unit: '%LEL', min: 2, avg: 5, max: 5, last: 5, n: 1 }]);
    expect(t.takeSummary()).toEqual([]);
  });

  it('reports an exception only when a value moved beyond its deadband since last sent', () => {
    const t = new TelemetryAggregator();
    t.add('gas1', gas(1));
    expect(t.takeExceptions().map((e) => e.last)).toEqual([1]); // first value
    for (const v of [1.5, 1.9, 0.4]) t.add('gas1', gas(v)); // within 1 %LEL of 1
    expect(t.takeExceptions()).toEqual([]);
    t.add('gas1', gas(2.1));
    expect(t.takeExceptions().map((e) => e.last)).toEqual([2.1]);
  });

  it('ignores status words, booleans and non-finite values', () => {
    const t = new TelemetryAggregator();
    t.add('relays', { 'coil-0': { value: true, raw: true, kind: 'generic' } });
    t.add('gas1', { lel: { value: Number.NaN, raw: 0, kind: 'gas' } });
    expect(t.takeSummary()).toEqual([]);
  });
});
