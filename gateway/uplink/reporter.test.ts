// The reporter's alarm lifecycle against a real outbox file: re-announcements run on the monotonic clock
// (a wall-clock step back must not silence them), and alarms standing after a restart come back under
// the lifecycle id the platform knows, re-announced unless acknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigSchema } from '../../config/index.js';
import type { ChannelEvent } from '../events.js';
import { Outbox } from '../outbox/outbox.js';
import type { RememberedAlarm } from '../state/state-store.js';
import { Reporter } from './reporter.js';
import { HOTPOT } from '../../bench/lib/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-reporter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const config = ConfigSchema.parse({
  gateway: { id: 'GW-REP-0001' },
  venue: HOTPOT,
});
const risk = { colour: 'red', reasons: [] } as never;
let n = 0;

function reporter(name: string, remember?: (m: ReadonlyMap<string, RememberedAlarm>) => void) {
  const outbox = new Outbox(join(dir, name), { maxRows: 1000, maxBytes: 1e6, reserveRows: 10 });
  const r = new Reporter(config, risk, { outbox, boot: 'b1', clock: { synced: () => true }, newId: () => `id-${++n}`, ...(remember ? { remember } : {}) });
  const alarms = () =>
    outbox
      .next(100, new Set())
      .filter((p) => p.topic === 'alarm')
      .map((p) => JSON.parse(p.payload.toString()) as Record<string, unknown>);
  return { r, outbox, alarms };
}

const alarm = (id: string): ChannelEvent => ({
  type: 'channel',
  id,
  device: 'gas',
  channel: 'lel',
  kind: 'gas',
  state: 'alarm',
  previousState: 'warning',
  reason: 'threshold',
  detail: '40 ≥ alarm 25',
  value: 40,
  threshold: 25,
  unit: '%LEL',
  latched: true,
  test: false,
  at: Date.now(),
  mono: performance.now(),
});

describe('reporter', () => {
  it('a wall clock stepped back an hour does not silence re-announcements', async () => {
    const { r, outbox, alarms } = reporter('step');
    r.record(alarm('a1'));
    const real = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(real - 3_600_000);
    await new Promise((res) => setTimeout(res, 40));
    expect(r.reannounce(30)).toBe(1);
    expect(alarms().filter((m) => m.reannounce === true)).toHaveLength(1);
    outbox.close();
  });

  it('remembers open alarms and, after a restart, re-announces them under the same alarmId', () => {
    let saved: ReadonlyMap<string, RememberedAlarm> = new Map();
    const first = reporter('restart-1', (m) => (saved = m));
    first.r.record(alarm('a-raised'));
    expect([...saved.values()]).toMatchObject([{ alarmId: 'a-raised', acknowledged: false }]);
    first.outbox.close();

    const second = reporter('restart-2');
    expect(second.r.restore(saved, [{ device: 'gas', channel: 'lel', state: 'alarm' }])).toBe(1);
    expect(second.r.reannounce(60_000)).toBe(1);
    expect(second.alarms()).toMatchObject([{ alarmId: 'a-raised', reannounce: true, state: 'alarm', device: 'gas' }]);
    // A channel that came back normal during the downtime is not restored.
    const third = reporter('restart-3');
    expect(third.r.restore(saved, [{ device: 'gas', channel: 'lel', state: 'normal' }])).toBe(0);
    second.outbox.close();
    third.outbox.close();
  });

  it('an acknowledged alarm is remembered as acknowledged and not re-announced after a restart', () => {
    let saved: ReadonlyMap<string, RememberedAlarm> = new Map();
    const first = reporter('ack-1', (m) => (saved = m));
    first.r.record(alarm('a-ack'));
    expect(first.r.acknowledge('a-ack', 'township')).toBe(true);
    expect([...saved.values()]).toMatchObject([{ alarmId: 'a-ack', acknowledged: true }]);
    first.outbox.close();
    const second = reporter('ack-2');
    second.r.restore(saved, [{ device: 'gas', channel: 'lel', state: 'alarm' }]);
    expect(second.r.reannounce(0)).toBe(0);
    expect(second.r.openAlarms()).toMatchObject([{ alarmId: 'a-ack', acknowledged: true }]);
    second.outbox.close();
  });
});
