// A wall-clock step is noticed against the monotonic clock, whichever way it goes; drift within the
// tolerance is not a step.
import { describe, expect, it } from 'vitest';
import { ClockStepWatch } from './clock.js';

describe('clock step watch', () => {
  it('reports a step back and a step forward once each, not the time that passes', () => {
    const w = new ClockStepWatch(1_000_000, 0);
    expect(w.look(1_005_000, 5000)).toBeUndefined(); // 5 s passed on both clocks
    expect(w.look(1_010_000 - 3_600_000, 10_000)).toBe(-3_600_000); // NTP set it back an hour
    expect(w.look(1_015_000 - 3_600_000, 15_000)).toBeUndefined();
    expect(w.look(1_020_000 + 86_400_000, 20_000)).toBe(3_600_000 + 86_400_000);
  });

  it('drift within the tolerance is not a step', () => {
    const w = new ClockStepWatch(0, 0, 2000);
    expect(w.look(5000 + 1999, 5000)).toBeUndefined();
    expect(w.look(10_000 + 1999 + 2001, 10_000)).toBe(2001);
  });
});
