// Linkage decisions: every output's desired level from the channel states now, and the gas-valve
// invariant: closes automatically, never reopened remotely, reopened locally only once the gas is back
// below warning.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../config/index.js';
import type { ChannelState } from '../detect/channel-machine.js';
import { Linkage, type ChannelView } from './linkage.js';
import { HOTPOT } from '../../bench/lib/fixtures.js';

const config: Config = ConfigSchema.parse({
  gateway: { id: 'GW-T-0001' },
  venue: HOTPOT,
  devices: [
    { id: 'gas1', bus: 'b', slaveId: 1, profile: 'gas-lel', group: 'kitchen' },
    { id: 'rcd', bus: 'b', slaveId: 2, profile: 'acrel-asj' },
    { id: 'smoke1', bus: 'b', slaveId: 3, profile: 'smoke' },
  ],
  outputs: [
    { id: 'valve', role: 'gas-valve', driver: { type: 'memory' }, closedLevel: 'off', safeState: 'off' },
    { id: 'fan', role: 'fan', driver: { type: 'memory' } },
    { id: 'buzzer', role: 'buzzer', driver: { type: 'memory' } },
    { id: 'trip', role: 'shunt-trip', driver: { type: 'memory' } },
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
    { id: 'fire', when: { state: 'alarm', kind: 'smoke' }, do: [{ output: 'buzzer', action: 'on' }] },
    { id: 'leak', when: { device: 'rcd', state: 'warning' }, do: [{ output: 'trip', action: 'on' }] },
  ],
});

type Ch = { device: string; channel: string; kind: 'gas' | 'smoke' | 'residual-current'; state: ChannelState; latched: boolean; test: boolean };

/** A venue's channels, all normal, with some set. */
function venue(set: Partial<Record<'gas1' | 'rcd' | 'smoke1', ChannelState | [ChannelState, { latched?: boolean; test?: boolean }]>> = {}): ChannelView {
  const base: Ch[] = [
    { device: 'gas1', channel: 'lel', kind: 'gas', state: 'normal', latched: false, test: false },
    { device: 'rcd', channel: 'residual-current', kind: 'residual-current', state: 'normal', latched: false, test: false },
    { device: 'smoke1', channel: 'status', kind: 'smoke', state: 'normal', latched: false, test: false },
  ];
  const list = base.map((c) => {
    const v = set[c.device as keyof typeof set];
    if (v === undefined) return c;
    return Array.isArray(v) ? { ...c, state: v[0], latched: v[1].latched ?? false, test: v[1].test ?? false } : { ...c, state: v };
  });
  return { list: () => list };
}

const levels = (d: Map<string, { level: string }>) => Object.fromEntries([...d].map(([id, x]) => [id, x.level]));

describe('linkage', () => {
  it('at rest every output is at its safe state and the valve closed until a local reset', () => {
    const l = new Linkage(config);
    expect(levels(l.evaluate(venue()))).toEqual({ valve: 'off', fan: 'off', buzzer: 'off', trip: 'off' });
    expect(l.resetValves('local', venue()).opened).toEqual(['valve']);
    expect(levels(l.evaluate(venue()))).toEqual({ valve: 'on', fan: 'off', buzzer: 'off', trip: 'off' });
  });

  it('a kitchen gas alarm closes the valve, starts the fan, sounds the buzzer; the cause is named', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    expect(levels(l.evaluate(venue({ gas1: 'warning' })))).toEqual({ valve: 'on', fan: 'off', buzzer: 'off', trip: 'off' });
    l.noteEvents([{ id: 'e42', device: 'gas1', channel: 'lel' }]);
    const d = l.evaluate(venue({ gas1: 'alarm' }));
    expect(levels(d)).toEqual({ valve: 'off', fan: 'on', buzzer: 'on', trip: 'off' });
    expect(d.get('valve')).toMatchObject({ action: 'close', reason: 'linkage gas: gas1/lel alarm', cause: 'e42' });
    expect(d.get('fan')).toMatchObject({ action: 'on', reason: 'linkage gas: gas1/lel alarm', cause: 'e42' });
  });

  it('when the alarm clears the fan and buzzer return to safe, the valve stays closed', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    l.evaluate(venue({ gas1: 'alarm' }));
    expect(levels(l.evaluate(venue()))).toEqual({ valve: 'off', fan: 'off', buzzer: 'off', trip: 'off' });
    expect(l.closedValves()).toEqual(['valve']);
  });

  it('a restart in a latched alarm demands the same outputs at once: derived from the restored states', () => {
    const restarted = new Linkage(config, ['valve']);
    expect(levels(restarted.evaluate(venue({ gas1: ['alarm', { latched: true }] })))).toEqual({ valve: 'off', fan: 'on', buzzer: 'on', trip: 'off' });
  });

  it('an output held by two rules is released only when both clear', () => {
    const l = new Linkage(config);
    expect(levels(l.evaluate(venue({ gas1: 'alarm', smoke1: 'alarm' }))).buzzer).toBe('on');
    expect(levels(l.evaluate(venue({ smoke1: 'alarm' }))).buzzer).toBe('on');
    expect(levels(l.evaluate(venue())).buzzer).toBe('off');
  });

  it('a warning rule holds through alarm and releases below warning', () => {
    const l = new Linkage(config);
    expect(levels(l.evaluate(venue({ rcd: 'warning' }))).trip).toBe('on');
    expect(levels(l.evaluate(venue({ rcd: 'alarm' }))).trip).toBe('on');
    expect(levels(l.evaluate(venue({ rcd: 'fault' }))).trip).toBe('off');
  });

  it('maintenance holds linkage unless a linkage test is asked for; leaving it re-evaluates', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    expect(levels(l.evaluate(venue({ gas1: ['alarm', { test: true }] })))).toMatchObject({ valve: 'on', fan: 'off' });
    l.setLinkageTest('gas1', true);
    expect(levels(l.evaluate(venue({ gas1: ['alarm', { test: true }] })))).toMatchObject({ valve: 'off', fan: 'on' });
    const l2 = new Linkage(config);
    l2.resetValves('local', venue());
    l2.evaluate(venue({ gas1: ['alarm', { test: true, latched: true }] }));
    // Maintenance off with the gas still high: the same channel state now demands the valve closed.
    expect(levels(l2.evaluate(venue({ gas1: ['alarm', { latched: true }] })))).toMatchObject({ valve: 'off', fan: 'on', buzzer: 'on' });
  });

  it('silence turns the buzzer off for what sounds it now; a new alarm sounds it again', () => {
    const l = new Linkage(config);
    l.evaluate(venue({ smoke1: 'alarm' }));
    expect(l.silence()).toEqual(['buzzer']);
    const d = l.evaluate(venue({ smoke1: 'alarm' }));
    expect(d.get('buzzer')).toMatchObject({ level: 'off', reason: 'silenced' });
    expect(levels(l.evaluate(venue({ smoke1: 'alarm', gas1: 'alarm' }))).buzzer).toBe('on');
    // The smoke alarm clears and comes back: it sounds again.
    l.silence();
    l.evaluate(venue());
    expect(levels(l.evaluate(venue({ smoke1: 'alarm' }))).buzzer).toBe('on');
  });

  it('a stop with nothing standing: every valve closed (even one reset open), the rest at their safe state', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    expect(levels(l.evaluate(venue())).valve).toBe('on');
    expect(levels(l.atStop(venue()))).toEqual({ valve: 'off', fan: 'off', buzzer: 'off', trip: 'off' });
  });

  it('a stop during a gas alarm never switches off the fan: the outputs stay as the alarm demands', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    const gas = venue({ gas1: 'alarm' });
    expect(levels(l.atStop(gas))).toEqual({ valve: 'off', fan: 'on', buzzer: 'on', trip: 'off' });
    expect(l.atStop(gas).get('fan')?.reason).toMatch(/^stop: linkage gas: gas1\/lel alarm/);
    expect(l.atStop(gas).get('valve')?.reason).toMatch(/stays closed until a local reset/);
    // Silenced before the stop: the buzzer stays off, the fan on.
    l.silence();
    expect(levels(l.atStop(gas))).toEqual({ valve: 'off', fan: 'on', buzzer: 'off', trip: 'off' });
    // A residual-current warning holding the shunt trip: held too.
    expect(levels(l.atStop(venue({ rcd: 'warning' }))).trip).toBe('on');
  });
});

describe('gas valve reset', () => {
  it('is refused remotely, always', () => {
    const l = new Linkage(config);
    l.evaluate(venue({ gas1: 'alarm' }));
    expect(l.resetValves('remote', venue())).toEqual({
      opened: [],
      refused: [{ output: 'valve', reason: 'a gas valve is never reopened by a remote command: reset it on site' }],
    });
    expect(l.closedValves()).toEqual(['valve']);
  });

  it('is refused locally while gas is in warning or alarm, or still latched', () => {
    const l = new Linkage(config);
    expect(l.resetValves('local', venue({ gas1: 'warning' })).refused[0]?.reason).toMatch(/gas is not back below its warning level: gas1\/lel warning/);
    expect(l.resetValves('local', venue({ gas1: ['normal', { latched: true }] })).refused[0]?.reason).toMatch(/\(latched\)/);
    expect(l.resetValves('local', venue({ gas1: 'fault' })).refused).toHaveLength(1);
  });

  it('names what is wrong for a valve that is not closed or not a valve', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    expect(l.resetValves('local', venue(), 'valve').refused).toEqual([{ output: 'valve', reason: 'the valve is not closed' }]);
    expect(l.resetValves('local', venue(), 'fan').refused[0]?.reason).toMatch(/"fan" is a fan, not a gas valve/);
  });

  it('a valve whose opening cannot be confirmed is closed again', () => {
    const l = new Linkage(config);
    l.resetValves('local', venue());
    expect(l.closeValve('valve', 'driver fault')).toBe(true);
    expect(levels(l.evaluate(venue())).valve).toBe('off');
  });

  it('property: no sequence of states, silences, maintenance and remote resets ever opens a closed gas valve', () => {
    const state = fc.constantFrom<ChannelState>('normal', 'warning', 'alarm', 'fault');
    const step = fc.oneof(
      fc.record({ t: fc.constant('states' as const), gas: state, rcd: state, smoke: state, test: fc.boolean(), latched: fc.boolean() }),
      fc.record({ t: fc.constant('remote-reset' as const) }),
      fc.record({ t: fc.constant('silence' as const) }),
      fc.record({ t: fc.constant('linkage-test' as const), on: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const l = new Linkage(config);
        let view = venue();
        for (const s of steps) {
          if (s.t === 'states') view = venue({ gas1: [s.gas, { test: s.test, latched: s.latched }], rcd: s.rcd, smoke1: s.smoke });
          else if (s.t === 'silence') l.silence();
          else if (s.t === 'linkage-test') l.setLinkageTest('gas1', s.on);
          else l.resetValves('remote', view);
          if (l.evaluate(view).get('valve')?.level !== 'off') return false;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
