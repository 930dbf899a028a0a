// Linkage decisions and the gas-valve invariant: closes automatically, never reopened remotely, reopened
// locally only once the gas is back below warning. Plus the output manager's reporting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../config/index.js';
import { MemoryOutput } from '../../drivers/outputs/output.js';
import type { ChannelState } from '../detect/channel-machine.js';
import type { ChannelEvent } from '../detect/detector.js';
import { Linkage, type ChannelView } from './linkage.js';
import { OutputManager } from './output-manager.js';

const config: Config = ConfigSchema.parse({
  gateway: { id: 'GW-T-0001' },
  venue: { id: 'V1', name: 'v', adminCode: '500242100000', category: 'catering', flammables: true, fireKeyUnit: false, mixedUse: false, heavyGasUse: true },
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
    { id: 'gas', when: { group: 'kitchen', kind: 'gas', state: 'alarm' }, do: [{ output: 'valve', action: 'close' }, { output: 'fan', action: 'on' }, { output: 'buzzer', action: 'on' }] },
    { id: 'fire', when: { state: 'alarm', kind: 'smoke' }, do: [{ output: 'buzzer', action: 'on' }] },
    { id: 'leak', when: { device: 'rcd', state: 'warning' }, do: [{ output: 'trip', action: 'on' }] },
  ],
});

let n = 0;
function ev(device: string, channel: string, kind: ChannelEvent['kind'], state: ChannelState, test = false): ChannelEvent {
  return { type: 'channel', id: `e${++n}`, device, channel, kind, state, previousState: 'normal', reason: 'threshold', detail: '', latched: false, test, at: 0, mono: 0 };
}

function view(gas: ChannelState, latched = false): ChannelView {
  return { list: () => [{ device: 'gas1', channel: 'lel', kind: 'gas', state: gas, latched }] };
}

const summary = (cmds: { output: string; action: string }[]) => cmds.map((c) => `${c.output}:${c.action}`);

describe('linkage', () => {
  it('a kitchen gas alarm closes the valve, starts the fan, sounds the buzzer', () => {
    const l = new Linkage(config);
    expect(summary(l.onEvent(ev('gas1', 'lel', 'gas', 'warning')))).toEqual([]);
    const cmds = l.onEvent(ev('gas1', 'lel', 'gas', 'alarm'));
    expect(summary(cmds)).toEqual(['valve:close', 'fan:on', 'buzzer:on']);
    expect(cmds[0]).toMatchObject({ level: 'off', reason: 'linkage gas: gas1/lel alarm', cause: expect.stringMatching(/^e\d+/) });
  });

  it('when the alarm clears the fan and buzzer return to safe, the valve stays closed', () => {
    const l = new Linkage(config);
    l.onEvent(ev('gas1', 'lel', 'gas', 'alarm'));
    expect(summary(l.onEvent(ev('gas1', 'lel', 'gas', 'normal')))).toEqual(['fan:off', 'buzzer:off']);
    expect(l.closedValves()).toEqual(['valve']);
  });

  it('an output held by two rules is released only when both clear', () => {
    const l = new Linkage(config);
    l.onEvent(ev('gas1', 'lel', 'gas', 'alarm'));
    l.onEvent(ev('smoke1', 'status', 'smoke', 'alarm'));
    expect(summary(l.onEvent(ev('gas1', 'lel', 'gas', 'normal')))).toEqual(['fan:off']);
    expect(summary(l.onEvent(ev('smoke1', 'status', 'smoke', 'normal')))).toEqual(['buzzer:off']);
  });

  it('a warning rule holds through alarm and releases below warning', () => {
    const l = new Linkage(config);
    expect(summary(l.onEvent(ev('rcd', 'residual-current', 'residual-current', 'warning')))).toEqual(['trip:on']);
    expect(summary(l.onEvent(ev('rcd', 'residual-current', 'residual-current', 'alarm')))).toEqual([]);
    expect(summary(l.onEvent(ev('rcd', 'residual-current', 'residual-current', 'normal')))).toEqual(['trip:off']);
  });

  it('maintenance mode holds linkage unless a linkage test is asked for', () => {
    const l = new Linkage(config);
    expect(l.onEvent(ev('gas1', 'lel', 'gas', 'alarm', true))).toEqual([]);
    l.setLinkageTest('gas1', true);
    expect(summary(l.onEvent(ev('gas1', 'lel', 'gas', 'alarm', true)))).toEqual(['valve:close', 'fan:on', 'buzzer:on']);
  });

  it('silence turns buzzers off', () => {
    const l = new Linkage(config);
    l.onEvent(ev('smoke1', 'status', 'smoke', 'alarm'));
    expect(summary(l.silence())).toEqual(['buzzer:off']);
  });

  it('safe states at start keep a restored closed valve closed', () => {
    expect(summary(new Linkage(config).safeStates('start'))).toEqual(['valve:off', 'fan:off', 'buzzer:off', 'trip:off']);
    const restored = new Linkage(config, ['valve']).safeStates('start');
    expect(restored[0]).toMatchObject({ output: 'valve', action: 'close', level: 'off' });
  });
});

describe('gas valve reset', () => {
  it('is refused remotely, always', () => {
    const l = new Linkage(config);
    l.onEvent(ev('gas1', 'lel', 'gas', 'alarm'));
    expect(l.resetValves('remote', view('normal'))).toEqual({ commands: [], refused: [{ output: 'valve', reason: 'a gas valve is never reopened by a remote command: reset it on site' }] });
    expect(l.closedValves()).toEqual(['valve']);
  });

  it('is refused locally while gas is in warning or alarm, or still latched', () => {
    const l = new Linkage(config);
    l.onEvent(ev('gas1', 'lel', 'gas', 'alarm'));
    expect(l.resetValves('local', view('warning')).refused[0]?.reason).toMatch(/gas is not back below its warning level: gas1\/lel warning/);
    expect(l.resetValves('local', view('normal', true)).refused[0]?.reason).toMatch(/\(latched\)/);
    expect(l.resetValves('local', view('fault')).refused).toHaveLength(1);
  });

  it('is accepted locally once gas is normal: the valve opens', () => {
    const l = new Linkage(config);
    l.onEvent(ev('gas1', 'lel', 'gas', 'alarm'));
    const r = l.resetValves('local', view('normal'));
    expect(r.refused).toEqual([]);
    expect(r.commands).toEqual([{ output: 'valve', role: 'gas-valve', action: 'open', level: 'on', reason: 'local reset' }]);
    expect(l.closedValves()).toEqual([]);
  });

  it('names what is wrong for a valve that is not closed or not a valve', () => {
    const l = new Linkage(config);
    expect(l.resetValves('local', view('normal'), 'valve').refused).toEqual([{ output: 'valve', reason: 'the valve is not closed by linkage' }]);
    expect(l.resetValves('local', view('normal'), 'fan').refused[0]?.reason).toMatch(/"fan" is a fan, not a gas valve/);
  });

  it('property: no sequence of events, silences and remote resets ever opens a gas valve', () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant('event' as const), dev: fc.constantFrom('gas1', 'rcd', 'smoke1'), state: fc.constantFrom<ChannelState>('normal', 'warning', 'alarm', 'fault'), test: fc.boolean() }),
      fc.record({ t: fc.constant('remote-reset' as const), gas: fc.constantFrom<ChannelState>('normal', 'alarm') }),
      fc.record({ t: fc.constant('silence' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const l = new Linkage(config);
        l.setLinkageTest('gas1', true);
        for (const s of steps) {
          const cmds =
            s.t === 'event'
              ? l.onEvent(ev(s.dev, s.dev === 'gas1' ? 'lel' : 'x', s.dev === 'gas1' ? 'gas' : s.dev === 'rcd' ? 'residual-current' : 'smoke', s.state, s.test))
              : s.t === 'silence'
                ? l.silence()
                : l.resetValves('remote', view(s.gas)).commands;
          if (cmds.some((c) => c.output === 'valve' && c.level === 'on')) return false;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});

describe('output manager', () => {
  it('reports commanded then confirmed with the read-back', async () => {
    const drv = new MemoryOutput();
    const m = new OutputManager(new Map([['fan', { config: config.outputs[1]!, driver: drv }]]), () => 'id');
    const events = await m.execute([{ output: 'fan', role: 'fan', action: 'on', level: 'on', reason: 'test' }]);
    expect(events.map((e) => e.status)).toEqual(['commanded', 'confirmed']);
    expect(events[1]?.detail).toBe('read back on');
    expect(drv.level).toBe('on');
  });

  it('a failing driver is reported and its safe state tried once', async () => {
    const drv = new MemoryOutput();
    drv.failWith = 'relay module offline';
    const m = new OutputManager(new Map([['fan', { config: config.outputs[1]!, driver: drv }]]), () => 'id');
    const events = await m.execute([{ output: 'fan', role: 'fan', action: 'on', level: 'on', reason: 'test' }]);
    expect(events.map((e) => `${e.level}:${e.status}`)).toEqual(['on:commanded', 'on:failed', 'off:commanded', 'off:failed']);
    expect(events[1]?.detail).toBe('relay module offline');
    expect(m.states.get('fan')).toMatchObject({ ok: false });
  });
});
