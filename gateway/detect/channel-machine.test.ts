// The channel state machine, table-driven: every threshold kind, hysteresis edge, on-delay, latch,
// fault entry and exit, restart; then properties over random sequences (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelMachine, type ChannelState, type Observation } from './channel-machine.js';
import type { ChannelRules } from './rules.js';

const gas: ChannelRules = { kind: 'gas', warning: 10, alarm: 25, hysteresis: 2, onDelayMs: 0, latch: false, range: { min: 0, max: 100 } };

/** Feeds values one second apart; returns the state after each. */
function run(rules: ChannelRules, values: (number | Omit<Observation, 'mono'>)[], start = 0): ChannelState[] {
  const m = new ChannelMachine(rules);
  return values.map((v, i) => {
    const o: Observation = typeof v === 'number' ? { mono: start + i * 1000, value: v } : { ...v, mono: start + i * 1000 };
    m.observe(o);
    return m.state;
  });
}

describe('upper thresholds with hysteresis', () => {
  it.each([
    ['below warning', [9.9], ['normal']],
    ['exactly at warning raises', [10], ['warning']],
    ['exactly at alarm raises', [25], ['alarm']],
    ['straight to alarm', [0, 30], ['normal', 'alarm']],
    ['alarm holds at alarm − hysteresis exactly', [30, 23], ['alarm', 'alarm']],
    ['alarm clears to warning just below alarm − hysteresis', [30, 22.9], ['alarm', 'warning']],
    ['warning holds at warning − hysteresis', [12, 8], ['warning', 'warning']],
    ['warning clears below warning − hysteresis', [12, 7.9], ['warning', 'normal']],
    ['alarm clears straight to normal', [30, 5], ['alarm', 'normal']],
    ['within hysteresis does not raise', [9, 9.5, 9.9], ['normal', 'normal', 'normal']],
  ] as const)('%s', (_name, values, expected) => {
    expect(run(gas, [...values])).toEqual(expected);
  });
});

describe('lower thresholds', () => {
  const volt: ChannelRules = { kind: 'voltage', lowWarning: 198, lowAlarm: 187, hysteresis: 3, onDelayMs: 0, latch: false };
  it.each([
    ['at low warning', [198], ['warning']],
    ['at low alarm', [187], ['alarm']],
    ['low alarm holds within hysteresis', [180, 190], ['alarm', 'alarm']],
    ['low alarm clears above low alarm + hysteresis', [180, 190.1], ['alarm', 'warning']],
    ['low warning clears above low warning + hysteresis', [195, 201.1], ['warning', 'normal']],
  ] as const)('%s', (_n, values, expected) => {
    expect(run(volt, [...values])).toEqual(expected);
  });
});

describe('on-delay', () => {
  const delayed = { ...gas, onDelayMs: 2000 };
  it('raises only after the condition held for the delay', () => {
    expect(run(delayed, [30, 30, 30])).toEqual(['normal', 'normal', 'alarm']);
  });
  it('a spike shorter than the delay raises nothing', () => {
    expect(run(delayed, [30, 30, 0, 30, 30])).toEqual(['normal', 'normal', 'normal', 'normal', 'normal']);
  });
  it('warning and alarm delays run separately: warning first, alarm when it held long enough', () => {
    expect(run(delayed, [12, 12, 12, 30, 30, 30])).toEqual(['normal', 'normal', 'warning', 'warning', 'warning', 'alarm']);
  });
  it('clearing is immediate', () => {
    expect(run(delayed, [30, 30, 30, 0])).toEqual(['normal', 'normal', 'alarm', 'normal']);
  });
  it('the device’s own verdict does not wait', () => {
    expect(run(delayed, [{ value: 5, verdicts: [{ state: 'alarm', source: 'al1' }] }])).toEqual(['alarm']);
  });
});

describe('latching and reset', () => {
  const latched = { ...gas, latch: true };
  it('a latched alarm stays when the value falls', () => {
    expect(run(latched, [30, 0, 0])).toEqual(['alarm', 'alarm', 'alarm']);
  });
  it('reset is refused while the condition holds, accepted after; goes to what the readings say', () => {
    const m = new ChannelMachine(latched);
    m.observe({ mono: 0, value: 30 });
    expect(m.reset()).toEqual({ ok: false, reason: 'the alarm condition still holds' });
    m.observe({ mono: 1000, value: 12 });
    const r = m.reset();
    expect(r).toMatchObject({ ok: true, transition: { state: 'warning', previousState: 'alarm', reason: 'reset' } });
    expect(m.state).toBe('warning');
    expect(m.latched).toBe(false);
  });
  it('reset of a channel with nothing latched is refused', () => {
    expect(new ChannelMachine(latched).reset()).toEqual({ ok: false, reason: 'no latched alarm on this channel' });
  });
  it('a latched alarm stands while the channel cannot be read, and cannot be reset then', () => {
    const m = new ChannelMachine(latched);
    m.observe({ mono: 0, value: 30 });
    expect(m.observe({ mono: 1000, unreadable: 'timeout' })).toBeUndefined();
    expect(m.state).toBe('alarm');
    expect(m.reset()).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot be confirmed safe/) });
  });
  it('non-latching channels clear by themselves (electrical warnings)', () => {
    const rc: ChannelRules = { kind: 'residual-current', warning: 200, alarm: 300, hysteresis: 20, onDelayMs: 0, latch: false };
    expect(run(rc, [350, 250, 150])).toEqual(['alarm', 'warning', 'normal']);
  });
});

describe('restart with persisted state', () => {
  it('a restored latched alarm stands from the first moment and needs a good reading before a reset', () => {
    const m = new ChannelMachine({ ...gas, latch: true }, { state: 'alarm', latched: true });
    expect(m.state).toBe('alarm');
    expect(m.reset()).toMatchObject({ ok: false });
    expect(m.observe({ mono: 0, value: 40 })).toBeUndefined();
    expect(m.reset()).toMatchObject({ ok: false, reason: 'the alarm condition still holds' });
    m.observe({ mono: 1000, value: 3 });
    expect(m.reset()).toMatchObject({ ok: true, transition: { state: 'normal' } });
  });
});

describe('fault', () => {
  it.each([
    ['unreadable', { unreadable: 'timeout' }, 'unreadable', 'timeout'],
    ['device fault bit', { value: 3, verdicts: [{ state: 'fault' as const, source: 'fault' }] }, 'device', 'fault'],
    ['above the sensor range', { value: 6553.5 }, 'out-of-range', '6553.5 outside the sensor range 0–100'],
    ['below the sensor range', { value: -1 }, 'out-of-range', '-1 outside the sensor range 0–100'],
    ['not a number', { value: Number.NaN }, 'out-of-range', 'NaN is not a number'],
  ])('%s is a fault, never normal', (_n, obs, reason, detail) => {
    const m = new ChannelMachine(gas);
    const t = m.observe({ mono: 0, ...obs });
    expect(m.state).toBe('fault');
    expect(t).toMatchObject({ state: 'fault', previousState: 'normal', reason, detail });
  });

  it('leaving fault goes straight to what the readings say, without the on-delay', () => {
    const m = new ChannelMachine({ ...gas, onDelayMs: 5000 });
    m.observe({ mono: 0, unreadable: 'timeout' });
    expect(m.observe({ mono: 1000, value: 30 })).toMatchObject({ state: 'alarm', previousState: 'fault' });
    m.observe({ mono: 2000, unreadable: 'timeout' });
    expect(m.observe({ mono: 3000, value: 1 })).toMatchObject({ state: 'normal', previousState: 'fault', reason: 'cleared' });
  });

  it('a frozen value becomes a fault after stuckAfterMs; a change ends it', () => {
    const m = new ChannelMachine({ ...gas, stuckAfterMs: 10_000 });
    for (let t = 0; t < 10_000; t += 1000) m.observe({ mono: t, value: 4.2 });
    expect(m.state).toBe('normal');
    expect(m.observe({ mono: 10_000, value: 4.2 })).toMatchObject({ state: 'fault', reason: 'stuck', detail: '4.2 unchanged for 10 s' });
    expect(m.observe({ mono: 11_000, value: 4.3 })).toMatchObject({ state: 'normal' });
  });
});

describe('rate of rise (cable temperature)', () => {
  const temp: ChannelRules = { kind: 'temperature', warning: 55, alarm: 70, hysteresis: 3, onDelayMs: 0, latch: false, rateOfRisePerMin: 10 };
  it('alarms on a fast rise below the thresholds, after 20 s of history', () => {
    const m = new ChannelMachine(temp);
    const states: string[] = [];
    for (let t = 0; t <= 30; t += 5) {
      m.observe({ mono: t * 1000, value: 30 + t * 0.25 }); // 15 °C per minute
      states.push(m.state);
    }
    expect(states).toEqual(['normal', 'normal', 'normal', 'normal', 'alarm', 'alarm', 'alarm']);
  });
  it('a slow rise does not', () => {
    const m = new ChannelMachine(temp);
    for (let t = 0; t <= 60; t += 5) m.observe({ mono: t * 1000, value: 30 + t * 0.1 }); // 6 °C per minute
    expect(m.state).toBe('normal');
  });
});

describe('transitions say why', () => {
  it('threshold crossings carry value and threshold; device verdicts their source', () => {
    const m = new ChannelMachine(gas);
    expect(m.observe({ mono: 0, value: 12 })).toEqual({
      state: 'warning',
      previousState: 'normal',
      reason: 'threshold',
      detail: '12 ≥ warning 10',
      value: 12,
      threshold: 10,
      latched: false,
    });
    expect(m.observe({ mono: 1, value: 12, verdicts: [{ state: 'alarm', source: 'al1' }] })).toMatchObject({ state: 'alarm', reason: 'device', detail: 'al1' });
    expect(m.observe({ mono: 2, value: 1 })).toMatchObject({ state: 'normal', reason: 'cleared', detail: '1 back within limits' });
    expect(m.observe({ mono: 3, value: 1 })).toBeUndefined();
  });
});

describe('properties', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('value' as const), value: fc.double({ min: -50, max: 200, noNaN: true }) }),
    fc.record({ kind: fc.constant('unreadable' as const) }),
    fc.record({
      kind: fc.constant('verdict' as const),
      state: fc.constantFrom('warning' as const, 'alarm' as const, 'fault' as const),
      value: fc.double({ min: 0, max: 100, noNaN: true }),
    }),
    fc.record({ kind: fc.constant('reset' as const) }),
  );
  const rulesArb = fc.record({
    onDelayMs: fc.constantFrom(0, 1000, 3000),
    latch: fc.boolean(),
    hysteresis: fc.constantFrom(0, 2, 5),
  });

  it('an unreadable channel is never normal, whatever came before', () => {
    fc.assert(
      fc.property(rulesArb, fc.array(step, { maxLength: 60 }), (r, steps) => {
        const m = new ChannelMachine({ ...gas, ...r });
        let t = 0;
        for (const s of steps) {
          t += 1000;
          if (s.kind === 'value') m.observe({ mono: t, value: s.value });
          else if (s.kind === 'verdict') m.observe({ mono: t, value: s.value, verdicts: [{ state: s.state, source: 'bit' }] });
          else if (s.kind === 'reset') m.reset();
          else {
            m.observe({ mono: t, unreadable: 'timeout' });
            if (m.state === 'normal' || m.state === 'warning') return false;
          }
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('a latched alarm never leaves alarm except through an accepted reset', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const m = new ChannelMachine({ ...gas, latch: true });
        let t = 0;
        for (const s of steps) {
          t += 1000;
          const wasLatched = m.latched;
          if (s.kind === 'reset') {
            const r = m.reset();
            if (wasLatched && !r.ok && m.state !== 'alarm') return false;
            continue;
          }
          if (s.kind === 'value') m.observe({ mono: t, value: s.value });
          else if (s.kind === 'verdict') m.observe({ mono: t, value: s.value, verdicts: [{ state: s.state, source: 'bit' }] });
          else m.observe({ mono: t, unreadable: 'timeout' });
          if (wasLatched && m.state !== 'alarm') return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('every reported transition changes the state and names the previous one correctly', () => {
    fc.assert(
      fc.property(rulesArb, fc.array(step, { maxLength: 60 }), (r, steps) => {
        const m = new ChannelMachine({ ...gas, ...r });
        let t = 0;
        for (const s of steps) {
          t += 1000;
          const before = m.state;
          const tr =
            s.kind === 'reset'
              ? (m.reset() as { transition?: { state: string; previousState: string } }).transition
              : m.observe(
                  s.kind === 'unreadable'
                    ? { mono: t, unreadable: 'x' }
                    : s.kind === 'verdict'
                      ? { mono: t, value: s.value, verdicts: [{ state: s.state, source: 'b' }] }
                      : { mono: t, value: s.value },
                );
          if (tr && (tr.previousState !== before || tr.state !== m.state || tr.state === before)) return false;
          if (!tr && m.state !== before) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
