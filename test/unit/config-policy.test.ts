// What a config from the platform may not do (gateway/fleet/config-policy.ts), rule by rule.
import { describe, expect, it } from 'vitest';
import { HOTPOT } from '../../bench/lib/fixtures.js';
import { ConfigSchema, type Config } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { refusedRemotely, REMOTE_GAS_ALARM_LIMIT } from '../../gateway/fleet/config-policy.js';

const base = {
  gateway: { id: 'GW-P-0001', dataDir: '/var/lib/jx' },
  venue: HOTPOT,
  buses: [{ id: 'b', type: 'tcp', host: '127.0.0.1', port: 502 }],
  devices: [
    { id: 'gas1', bus: 'b', slaveId: 1, profile: 'gas-lel', group: 'kitchen' },
    { id: 'relays', bus: 'b', slaveId: 9, profile: 'relay' },
  ],
  outputs: [
    { id: 'valve', role: 'gas-valve', driver: { type: 'modbus-coil', device: 'relays', coil: 0 }, closedLevel: 'off', safeState: 'off' },
    { id: 'fan', role: 'fan', driver: { type: 'modbus-coil', device: 'relays', coil: 1 } },
  ],
  linkage: [
    {
      when: { group: 'kitchen', kind: 'gas', state: 'alarm' },
      do: [
        { output: 'valve', action: 'close' },
        { output: 'fan', action: 'on' },
      ],
    },
  ],
};
const now = ConfigSchema.parse(base);
const next = (f: (c: any) => void): Config => {
  const c = structuredClone(base) as any;
  f(c);
  return ConfigSchema.parse(c);
};
const codes = (c: Config) => refusedRemotely(now, c, BUILTIN_PROFILES).map((s) => `${s.code} ${JSON.stringify(s.params)}`);

describe('remote config policy', () => {
  it('lets through what does not weaken gas protection: a lower threshold, another fan rule, a new device', () => {
    expect(codes(next((c) => (c.devices[0].channels = { lel: { warning: 8, alarm: 20 } })))).toEqual([]);
    expect(codes(next((c) => c.devices.push({ id: 'smoke1', bus: 'b', slaveId: 3, profile: 'smoke' })))).toEqual([]);
    expect(codes(next((c) => (c.devices[0].channels = { lel: { alarm: REMOTE_GAS_ALARM_LIMIT } })))).toEqual([]);
  });

  it('refuses removing or disabling a gas channel, raising its alarm over the documented limit, unlinking or removing the valve', () => {
    expect(codes(next((c) => c.devices.splice(0, 1)))).toContain('remoteRemovesGas {"device":"gas1","channel":"lel"}');
    expect(codes(next((c) => (c.devices[0].channels = { lel: { enabled: false } })))).toEqual(['remoteRemovesGas {"device":"gas1","channel":"lel"}']);
    expect(codes(next((c) => (c.devices[0].channels = { lel: { warning: 20, alarm: 30 } })))[0]).toMatch(/^remoteGasAlarmAbove .*"value":30,"limit":25/);
    expect(codes(next((c) => (c.linkage[0].do = [{ output: 'fan', action: 'on' }])))).toEqual(['remoteValveUnlinked {"output":"valve"}']);
    expect(codes(next((c) => (c.linkage[0].when.state = 'fault')))).toEqual(['remoteValveUnlinked {"output":"valve"}']);
    expect(
      codes(
        next((c) => {
          c.outputs.splice(0, 1);
          c.linkage[0].do = [{ output: 'fan', action: 'on' }];
        }),
      ),
    ).toEqual(['remoteRemovesValve {"output":"valve"}']);
  });

  it("refuses changing the box's id or its data directory", () => {
    expect(
      codes(
        next((c) => {
          c.gateway.id = 'GW-P-0002';
          c.gateway.dataDir = '/tmp/elsewhere';
        }),
      ),
    ).toEqual(['remoteIdentity {"key":"gateway.id","old":"GW-P-0001"}', 'remoteIdentity {"key":"gateway.dataDir","old":"/var/lib/jx"}']);
  });
});
