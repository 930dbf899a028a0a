// The rate limit of lines from outside: a burst, then a steady rate, what was held back counted on the
// next line and said once the flood stops; kinds apart from each other.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.js';
import { LogThrottle } from './throttle.js';

function rig() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } as never });
  let t = 0;
  const throttle = new LogThrottle(log, { burst: 3, perMinute: 6 }, () => t);
  return { lines, throttle, advance: (ms: number) => (t += ms) };
}

afterEach(() => vi.useRealTimers());

describe('LogThrottle', () => {
  it('lets a burst through, then one line per 10 s, carrying how many were held back', () => {
    const k = rig();
    for (let i = 0; i < 1000; i++) k.throttle.warn('centre-bytes', { i }, 'bytes from the centre dropped');
    expect(k.lines.map((l) => l.i)).toEqual([0, 1, 2]);
    k.advance(10_000);
    k.throttle.warn('centre-bytes', { i: 1000 }, 'bytes from the centre dropped');
    expect(k.lines.at(-1)).toMatchObject({ i: 1000, suppressed: 997, suppressedForS: 10, level: 'warn' });
    k.throttle.warn('centre-bytes', { i: 1001 }, 'bytes from the centre dropped');
    expect(k.lines).toHaveLength(4);
    expect(k.throttle.held()).toEqual({ 'centre-bytes': 1 });
  });

  it('kinds are limited apart: a flood of one does not silence another', () => {
    const k = rig();
    for (let i = 0; i < 100; i++) k.throttle.info('command', {}, 'command answered');
    k.throttle.warn('token', {}, 'status page: request with a wrong token refused (401)');
    expect(k.lines.filter((l) => l.msg === 'command answered')).toHaveLength(3);
    expect(k.lines.filter((l) => String(l.msg).startsWith('status page'))).toHaveLength(1);
  });

  it('when the flood stops, one line says how much was held back', async () => {
    vi.useFakeTimers();
    const k = rig();
    for (let i = 0; i < 50; i++) k.throttle.warn('centre-bytes', {}, 'bytes from the centre dropped');
    k.advance(10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(k.lines.at(-1)).toMatchObject({ kind: 'centre-bytes', suppressed: 47, msg: 'held back: 47 more lines like "bytes from the centre dropped"' });
    expect(k.throttle.held()).toEqual({});
  });

  it('flush says what is held back at a stop', () => {
    const k = rig();
    for (let i = 0; i < 5; i++) k.throttle.error('centre-denied', {}, 'the monitoring centre denied a frame: not sent again');
    k.throttle.flush();
    expect(k.lines.at(-1)).toMatchObject({ level: 'error', suppressed: 2 });
  });
});
