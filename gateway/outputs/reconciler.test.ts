// The reconciler against memory drivers and a fake monotonic clock: drives until observed = desired,
// re-drives after a failure with a bounded backoff, re-reads and re-drives an output that dropped (a
// relay module rebooted), reports a disagreeing read-back as a fault without undoing the demand, closes a
// gas valve that cannot be confirmed open. A property: with linkage deciding, under any sequence of
// channel states, driver failures and recoveries, every output converges to what is demanded once its
// driver works again, and a gas valve is never opened remotely.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, type Config, type Output } from '../../config/index.js';
import { MemoryOutput } from '../../drivers/outputs/output.js';
import type { ChannelState } from '../detect/channel-machine.js';
import type { OutputEvent } from '../events.js';
import { Linkage, type ChannelView, type Demand } from '../linkage/linkage.js';
import { Reconciler } from './reconciler.js';
import { HOTPOT } from '../../bench/lib/fixtures.js';

const config: Config = ConfigSchema.parse({
  gateway: { id: 'GW-T-0001' },
  venue: HOTPOT,
  devices: [{ id: 'gas1', bus: 'b', slaveId: 1, profile: 'gas-lel', group: 'kitchen' }],
  outputs: [
    { id: 'valve', role: 'gas-valve', driver: { type: 'memory' }, closedLevel: 'off', safeState: 'off' },
    { id: 'fan', role: 'fan', driver: { type: 'memory' } },
    { id: 'buzzer', role: 'buzzer', driver: { type: 'memory' } },
  ],
  linkage: [
    {
      id: 'gas',
      when: { group: 'kitchen', kind: 'gas', state: 'alarm' },
      do: [
        { output: 'valve', action: 'close' },
        { output: 'fan', action: 'on' },
        { output: 'buzzer', action: 'on' },
      ],
    },
  ],
});

function rig(valveValve?: (id: string) => void) {
  let t = 0;
  const drivers = new Map(config.outputs.map((o) => [o.id, new MemoryOutput()]));
  const events: OutputEvent[] = [];
  let n = 0;
  const r = new Reconciler(new Map(config.outputs.map((o) => [o.id, { config: o as Output, driver: drivers.get(o.id) as MemoryOutput }])), {
    newId: () => `o${++n}`,
    onEvent: (e) => events.push(e),
    mono: () => t,
    now: () => t,
    ...(valveValve ? { onValveUnconfirmed: valveValve } : {}),
  });
  return {
    r,
    drivers,
    events,
    drv: (id: string) => drivers.get(id) as MemoryOutput,
    advance: async (ms: number) => {
      t += ms;
      await r.step();
    },
  };
}

const demand = (level: 'on' | 'off', reason = 'test'): Demand => ({ level, action: level, reason });

describe('reconciler', () => {
  it('commands, drives and confirms with the read-back', async () => {
    const k = rig();
    k.r.setDesired(new Map([['fan', demand('on')]]));
    await k.r.step();
    expect(k.drv('fan').level).toBe('on');
    expect(k.events.map((e) => `${e.output}:${e.level}:${e.status}:${e.detail ?? ''}`)).toEqual(['fan:on:commanded:', 'fan:on:confirmed:read back on']);
    expect(k.r.status().fan).toMatchObject({ level: 'on', desired: 'on', ok: true });
  });

  it('a failed write is retried with a backoff of 1 s doubling to 10 s, and the demand stands', async () => {
    const k = rig();
    k.drv('fan').failWith = 'timeout';
    k.r.setDesired(new Map([['fan', demand('on')]]));
    await k.r.step();
    expect(k.r.status().fan).toMatchObject({ level: null, desired: 'on', ok: false, detail: 'timeout', failures: 1 });
    const tries = () => k.r.status().fan?.failures;
    await k.advance(999);
    expect(tries()).toBe(1);
    await k.advance(1); // 1 s
    expect(tries()).toBe(2);
    await k.advance(2000); // 2 s later
    expect(tries()).toBe(3);
    await k.advance(4000);
    await k.advance(8000);
    await k.advance(10_000);
    await k.advance(9999);
    expect(tries()).toBe(6); // capped at 10 s
    // One failed event for the fault, not one per retry.
    expect(k.events.filter((e) => e.status === 'failed')).toHaveLength(1);
    k.drv('fan').failWith = undefined;
    await k.advance(1);
    expect(k.drv('fan').level).toBe('on');
    expect(k.events.at(-1)).toMatchObject({ status: 'confirmed', detail: 'read back on after 7 attempts' });
    expect(k.r.status().fan).toMatchObject({ ok: true, failures: 0 });
  });

  it('retryNow skips the backoff (the relay module came back online)', async () => {
    const k = rig();
    k.drv('fan').failWith = 'timeout';
    k.r.setDesired(new Map([['fan', demand('on')]]));
    await k.r.step();
    await k.advance(1000);
    await k.advance(2000);
    k.drv('fan').failWith = undefined;
    await k.advance(100); // the next retry is 4 s away
    expect(k.drv('fan').level).toBeUndefined();
    k.r.retryNow(['fan']);
    await k.r.step();
    expect(k.drv('fan').level).toBe('on');
  });

  it('an output that drops back to off (module rebooted) is found on the next re-read and re-driven', async () => {
    const k = rig();
    k.r.setDesired(new Map([['fan', demand('on')]]));
    await k.r.step();
    k.drv('fan').level = 'off';
    await k.advance(1999);
    expect(k.drv('fan').level).toBe('off');
    await k.advance(1);
    expect(k.drv('fan').level).toBe('on');
    expect(k.events.filter((e) => e.status === 'failed').map((e) => e.detail)).toEqual(['found off while on is demanded: re-driving']);
  });

  it('a read-back that disagrees is an output fault; the demand is never undone (no safe-state fallback)', async () => {
    const k = rig();
    k.drv('buzzer').stuckAt = 'off';
    k.r.setDesired(new Map([['buzzer', demand('on')]]));
    await k.r.step();
    for (let i = 0; i < 10; i++) await k.advance(10_000);
    expect(k.drv('buzzer').history.every((l) => l === 'on')).toBe(true);
    expect(k.r.status().buzzer).toMatchObject({ desired: 'on', level: 'off', ok: false, detail: 'read back off after driving on' });
    k.drv('buzzer').stuckAt = undefined;
    await k.advance(10_000);
    expect(k.r.status().buzzer).toMatchObject({ level: 'on', ok: true });
  });

  it('a gas valve that cannot be confirmed open is handed back to be closed', async () => {
    const closed: string[] = [];
    const k = rig((id) => closed.push(id));
    k.drv('valve').failWith = 'timeout';
    k.r.setDesired(new Map([['valve', { level: 'on', action: 'open', reason: 'local reset' }]]));
    await k.r.step();
    expect(closed).toEqual(['valve']);
  });

  it('a verify read still on the bus when a reset opens the valve is not taken for a fault (issue 21)', async () => {
    const closed: string[] = [];
    const k = rig((id) => closed.push(id));
    const valve = k.drv('valve');
    k.r.setDesired(new Map([['valve', { level: 'off', action: 'close', reason: 'gas alarm' }]]));
    await k.r.step();
    // The next verify read waits behind a silent device on the same bus.
    let release!: () => void;
    const read = valve.read.bind(valve);
    valve.read = () => new Promise((r) => (release = () => void read().then(r)));
    const verifying = k.advance(2000);
    valve.read = read;
    k.r.setDesired(new Map([['valve', { level: 'on', action: 'open', reason: 'local reset' }]]));
    const outcome = k.r.outcome('valve', 'on', 5000);
    release(); // answers "off": the level it was checking, not a fault against the new demand
    await verifying;
    await k.r.step();
    expect(await outcome).toEqual({ ok: true, level: 'on', detail: 'read back on' });
    expect(closed).toEqual([]);
    expect(k.events.filter((e) => e.status === 'failed')).toEqual([]);
    expect(valve.history).toEqual(['off', 'on']);
  });

  it('outcome says what became of a demand: confirmed, failed, changed or not within the time', async () => {
    const k = rig();
    k.r.setDesired(new Map([['fan', demand('on')]]));
    await k.r.step();
    expect(await k.r.outcome('fan', 'on', 100)).toEqual({ ok: true, level: 'on', detail: 'already there' });
    expect(await k.r.outcome('fan', 'off', 100)).toMatchObject({ ok: false, detail: 'off is not demanded' });
    k.drv('buzzer').stuckAt = 'off';
    k.r.setDesired(new Map([['buzzer', demand('on')]]));
    const stuck = k.r.outcome('buzzer', 'on', 1000);
    await k.r.step();
    expect(await stuck).toEqual({ ok: false, level: 'off', detail: 'read back off after driving on' });
    k.drv('fan').failWith = 'timeout';
    k.r.setDesired(new Map([['fan', demand('off')]]));
    const changed = k.r.outcome('fan', 'off', 1000);
    k.r.setDesired(new Map([['fan', demand('on', 'gas alarm')]]));
    expect(await changed).toMatchObject({ ok: false, detail: 'the demand changed to on (gas alarm)' });
    await k.r.step();
    // Failing and retried: waited for, then told with the fault.
    expect(await k.r.outcome('fan', 'on', 50)).toMatchObject({ ok: false, level: null, detail: 'not confirmed within 50 ms: timeout' });
    // A relay that never answers: the outcome is not waited for beyond its time.
    k.drv('buzzer').set = () => new Promise(() => undefined);
    k.r.setDesired(new Map([['buzzer', demand('off')]]));
    expect(await k.r.outcome('buzzer', 'off', 20)).toMatchObject({ ok: false, detail: 'not confirmed within 20 ms: read back off after driving on' });
  });

  it('settle at shutdown drives every output once, bounded, and names those it could not confirm', async () => {
    const k = rig();
    k.r.setDesired(new Map([['fan', demand('on')]]));
    await k.r.step();
    k.drv('buzzer').failWith = 'bus stopped';
    const failed = await k.r.settle(
      new Map([
        ['fan', demand('off')],
        ['buzzer', demand('off')],
      ]),
      200,
    );
    expect(failed).toEqual([{ output: 'buzzer', detail: 'bus stopped' }]);
    expect(k.drv('fan').level).toBe('off');
  });

  it('property: outputs converge on what linkage demands once drivers work, and a valve is never opened remotely', async () => {
    const state = fc.constantFrom<ChannelState>('normal', 'warning', 'alarm', 'fault');
    const step = fc.oneof(
      fc.record({ t: fc.constant('gas' as const), state, latched: fc.boolean() }),
      fc.record({
        t: fc.constant('fail' as const),
        output: fc.constantFrom('valve', 'fan', 'buzzer'),
        how: fc.constantFrom('throw', 'stuck-off', 'stuck-on', 'reboot'),
      }),
      fc.record({ t: fc.constant('recover' as const), output: fc.constantFrom('valve', 'fan', 'buzzer') }),
      fc.record({ t: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
      fc.record({ t: fc.constant('remote-reset' as const) }),
      fc.record({ t: fc.constant('silence' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const linkage = new Linkage(config);
        let gas: { state: ChannelState; latched: boolean } = { state: 'normal', latched: false };
        const view: ChannelView = { list: () => [{ device: 'gas1', channel: 'lel', kind: 'gas', ...gas, test: false }] };
        const k = rig((id) => linkage.closeValve(id, 'unconfirmed') && k.r.setDesired(linkage.evaluate(view)));
        const decide = () => k.r.setDesired(linkage.evaluate(view));
        decide();
        for (const s of steps) {
          if (s.t === 'gas') {
            gas = { state: s.state, latched: s.latched };
            decide();
          } else if (s.t === 'fail') {
            const d = k.drv(s.output);
            if (s.how === 'throw') d.failWith = 'timeout';
            else if (s.how === 'reboot') d.level = 'off';
            else d.stuckAt = s.how === 'stuck-on' ? 'on' : 'off';
          } else if (s.t === 'recover') {
            k.drv(s.output).failWith = undefined;
            k.drv(s.output).stuckAt = undefined;
          } else if (s.t === 'time') await k.advance(s.ms);
          else if (s.t === 'remote-reset') {
            linkage.resetValves('remote', view);
            decide();
          } else {
            linkage.silence();
            decide();
          }
          // Never opened remotely: only a local reset could open it, and none happens here.
          if (k.drv('valve').history.includes('on')) return false;
        }
        // Every driver works again: within the longest backoff plus a re-read, all converge.
        for (const id of ['valve', 'fan', 'buzzer']) {
          k.drv(id).failWith = undefined;
          k.drv(id).stuckAt = undefined;
        }
        await k.advance(10_000);
        await k.advance(2_000);
        await k.advance(10_000);
        const want = linkage.evaluate(view);
        for (const id of ['valve', 'fan', 'buzzer']) {
          if (k.drv(id).level !== want.get(id)?.level) return false;
          if (!k.r.status()[id]?.ok) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
