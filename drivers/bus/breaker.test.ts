// The breaker's arithmetic: a dead device may cost the bus at most its budget of the time.
import { describe, expect, it } from 'vitest';
import { Breaker } from './breaker.js';

describe('circuit breaker', () => {
  const make = () => new Breaker({ failureThreshold: 3, attemptCostMs: 500, budget: 0.05, maxProbeMs: 60_000 });

  it('stays closed below the threshold and reopens on success', () => {
    const b = make();
    b.onFailure(0);
    b.onFailure(1);
    expect(b.state).toBe('closed');
    expect(b.mayAttempt(2)).toBe(true);
    b.onFailure(2);
    expect(b.state).toBe('open');
    expect(b.retriesAllowed).toBe(false);
    b.onSuccess();
    expect(b.state).toBe('closed');
  });

  it('probes no more often than cost / budget, backing off to the maximum', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.onFailure(0);
    expect(b.mayAttempt(9_999)).toBe(false);
    expect(b.mayAttempt(10_000)).toBe(true); // 500 ms / 5 % = 10 s
    let now = 10_000;
    const intervals: number[] = [];
    for (let i = 0; i < 6; i++) {
      b.onFailure(now);
      intervals.push(b.probeDueAt - now);
      now = b.probeDueAt;
    }
    expect(intervals).toEqual([20_000, 40_000, 60_000, 60_000, 60_000, 60_000]);
    // Over any stretch, failed attempts cost ≤ 5 % of the time.
    expect((6 * 500) / (now - 10_000)).toBeLessThanOrEqual(0.05);
  });
});
