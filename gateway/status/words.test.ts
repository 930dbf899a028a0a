import { afterEach, describe, expect, it } from 'vitest';
import { clockText, localTime, outputState, worstState } from './words.js';

describe('status words', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('a gas valve is closed at its closed level, whichever level that is; other outputs are on or off', () => {
    expect(outputState('gas-valve', 'off', 'off')).toBe('closed');
    expect(outputState('gas-valve', 'off', 'on')).toBe('open');
    expect(outputState('gas-valve', 'on', 'on')).toBe('closed');
    expect(outputState('gas-valve', undefined, 'off')).toBe('closed');
    expect(outputState('fan', undefined, 'on')).toBe('on');
    expect(outputState('buzzer', undefined, 'off')).toBe('off');
    expect(outputState('fan', undefined, null)).toBeNull();
  });

  it('the worst state wins: alarm over fault over warning over normal', () => {
    expect(worstState(['normal', 'warning', 'fault', 'alarm'])).toBe('alarm');
    expect(worstState(['warning', 'fault'])).toBe('fault');
    expect(worstState(['normal', 'warning'])).toBe('warning');
    expect(worstState([])).toBe('normal');
  });

  it("times are the venue's zone with its offset, whatever the process's zone; UTC beside it only when the clock is not synced", () => {
    // Node reads TZ at each Date call on Linux: a box left at UTC, or anywhere else, shows the venue's time.
    for (const tz of ['UTC', 'America/St_Johns']) {
      process.env.TZ = tz;
      expect(localTime('2026-12-02T00:03:41.000Z', 'Asia/Shanghai')).toBe('2026-12-02 08:03:41 UTC+08:00');
      expect(clockText('2026-12-02T00:03:41.000Z', 'synced', 'Asia/Shanghai')).toBe('2026-12-02 08:03:41 UTC+08:00');
      expect(clockText('2026-12-02T00:03:41.000Z', 'unsynced', 'Asia/Shanghai')).toBe(
        '2026-12-02 08:03:41 UTC+08:00 · UTC 2026-12-02 00:03:41 · 时钟未同步 clock not synced',
      );
    }
    expect(localTime('2026-12-02T00:03:41.000Z', 'America/St_Johns')).toBe('2026-12-01 20:33:41 UTC-03:30');
    expect(localTime('not a time', 'Asia/Shanghai')).toBe('not a time');
  });
});
