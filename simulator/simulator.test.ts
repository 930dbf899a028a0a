// The simulator's pure parts: behaviours over time, the devices' own status logic, faults and pacing.
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';
import { encodeRequest } from '../drivers/modbus/pdu.js';
import { physicsAt } from './device/behaviours.js';
import { SimDevice } from './device/sim-device.js';
import { startScenario } from './scenarios.js';
import { Station, turnaroundMs, wireMs } from './server/station.js';
import { configFromFlags } from './cli/devices-command.js';

const dev = (profile: string, slaveId = 1) => new SimDevice(`${profile}-${slaveId}`, profile, BUILTIN_PROFILES[profile]!, slaveId);

describe('behaviours', () => {
  it('gas-leak ramps 0 → 40 %LEL over 20 s and holds', () => {
    expect([0, 5, 12.5, 20, 60].map((t) => physicsAt('gas-leak', t, 1).lel)).toEqual([0, 10, 25, 40, 40]);
  });

  it('the gas detector raises its own AL1 at 25 %LEL and AL2 at 50, fault on sensor-fault', () => {
    const d = dev('gas-lel');
    d.setBehaviour('gas-leak', 0);
    d.refresh(12_000);
    expect(d.snapshot()).toMatchObject({ lel: 24, status: 0 });
    d.refresh(13_000);
    expect(d.snapshot()).toMatchObject({ lel: 26, status: 0b0001 });
    d.setBehaviour('sensor-fault', 0);
    expect(d.snapshot().status).toBe(0b1000);
  });

  it('kitchen-fire: smoke alarm bit once density reaches 0.15 dB/m, cable temperature climbs', () => {
    const s = dev('smoke');
    s.setBehaviour('kitchen-fire', 0);
    s.refresh(6_000);
    expect(s.snapshot()).toMatchObject({ density: 0.13, status: 0 });
    s.refresh(8_000);
    expect(s.snapshot()).toMatchObject({ density: 0.17, status: 1 });
    const e = dev('electrical-fire');
    e.setBehaviour('kitchen-fire', 0);
    e.refresh(30_000);
    expect(e.snapshot()['temperature-1']).toBe(88);
    expect(Number(e.snapshot().status) & 0b10).toBe(0b10);
  });

  it('overload: residual current past 500 mA, the ASJ reports alarm against its own settings', () => {
    const a = dev('acrel-asj');
    a.setBehaviour('overload', 0);
    a.refresh(20_000);
    expect(a.snapshot()).toMatchObject({ 'residual-current': 540, 'alarm-status': 2 });
    a.pin('residual-current', 250, 20_000);
    expect(a.snapshot()['alarm-status']).toBe(1);
  });

  it('scenarios touch only the devices they concern', () => {
    const devices = [dev('gas-lel', 1), dev('smoke', 2), dev('electrical-fire', 3), dev('relay', 9)];
    expect(startScenario('gas-leak', devices, 0)).toEqual(['gas-lel-1']);
    expect(startScenario('kitchen-fire', devices, 0)).toEqual(['smoke-2', 'electrical-fire-3']);
    expect(startScenario('overload', devices, 0)).toEqual(['electrical-fire-3']);
    expect(startScenario('sensor-fault', devices, 0)).toEqual(['gas-lel-1', 'smoke-2', 'electrical-fire-3']);
  });

  it('flapping-link: up 4 s, down 2 s', () => {
    const d = dev('gas-lel');
    d.setBehaviour('flapping-link', 0);
    expect([1000, 3900, 4100, 5900, 6100].map((t) => d.linkDown(t))).toEqual([false, false, true, true, false]);
  });
});

describe('station', () => {
  const read = encodeRequest({ fc: 4, address: 0, count: 2 });

  it('answers its slave ids, stays silent for others and for a link that is down', () => {
    const d = dev('gas-lel', 4);
    let now = 0;
    const st = new Station([d], {}, () => now);
    expect(st.handle(4, read, 3)).toMatchObject({ kind: 'reply', slaveId: 4 });
    expect(st.handle(5, read, 3)).toEqual({ kind: 'silent' });
    d.setBehaviour('flapping-link', 0);
    now = 5000;
    expect(st.handle(4, read, 3)).toEqual({ kind: 'silent' });
  });

  it('as a Modbus TCP gateway answers an id nobody has with exception 11 for the function asked', () => {
    const st = new Station([dev('gas-lel', 4)], { gateway: true });
    expect(st.handle(5, read, 7)).toMatchObject({ kind: 'reply', slaveId: 5, pdu: Buffer.from([0x84, 0x0b]) });
    expect(st.handle(5, encodeRequest({ fc: 3, address: 0, count: 1 }), 7)).toMatchObject({ pdu: Buffer.from([0x83, 0x0b]) });
    expect(st.handle(4, read, 7)).toMatchObject({ kind: 'reply', slaveId: 4, pdu: expect.objectContaining({ 0: 4 }) });
  });

  it('--gateway on the command line: only with --tcp', () => {
    expect(configFromFlags(['--tcp', '1502', '--device', 'smoke:4', '--gateway']).servers[0]).toMatchObject({ type: 'tcp', unknownUnit: 'exception' });
    expect(configFromFlags(['--tcp', '1502', '--device', 'smoke:4']).servers[0]).toMatchObject({ unknownUnit: 'silent' });
    expect(() => configFromFlags(['--rtu', '/tmp/x', '--device', 'smoke:4', '--gateway'])).toThrow(/--gateway is for --tcp/);
  });

  it('applies faults: exception, wrong id, corruption, delay, drop', () => {
    const d = dev('gas-lel', 4);
    const st = new Station([d]);
    d.faults = { exception: 6 };
    expect(st.handle(4, read, 3)).toMatchObject({ kind: 'reply', pdu: Buffer.from([0x84, 6]) });
    d.faults = { wrongSlaveId: true, corrupt: true, delayMs: 700 };
    expect(st.handle(4, read, 3)).toMatchObject({ kind: 'reply', slaveId: 5, corrupt: true, delayMs: 700 });
    d.faults = { dropConnection: true };
    expect(st.handle(4, read, 3)).toEqual({ kind: 'drop' });
    d.faults = { noReply: true, probability: 0 };
    expect(st.handle(4, read, 3).kind).toBe('reply');
  });

  it('paces a reply by the wire time of request, turnaround and reply at the baud rate', () => {
    const st = new Station([dev('gas-lel', 1)], { baud: 9600 });
    const a = st.handle(1, read, 3);
    // request 8 bytes + reply 9 bytes, 10 bits each at 9600 baud, plus 3.5 characters of silence
    expect(a.kind === 'reply' && a.delayMs).toBeCloseTo(wireMs(17, 9600) + turnaroundMs(9600), 6);
    expect(wireMs(17, 9600)).toBeCloseTo(17.708, 3);
    expect(turnaroundMs(9600)).toBeCloseTo(3.646, 3);
    expect(turnaroundMs(115200)).toBe(1.75);
  });

  it('refuses two devices on one slave id', () => {
    expect(() => new Station([dev('gas-lel', 1), dev('smoke', 1)])).toThrow(/two simulated devices answer slave id 1/);
  });

  it('a relay coil write moves its feedback input', () => {
    const r = dev('relay', 9);
    const st = new Station([r]);
    st.handle(9, encodeRequest({ fc: 5, address: 1, value: true }), 3);
    expect(r.snapshot()).toMatchObject({ 'coil-1': true, 'input-1': true, 'coil-0': false });
    expect(st.handle(9, encodeRequest({ fc: 5, address: 8, value: true }), 3)).toMatchObject({ pdu: Buffer.from([0x85, 2]) });
  });

  it('a relay module reboot: silent for a while, then back with every relay released', () => {
    const r = dev('relay', 9);
    const st = new Station([r]);
    st.handle(9, encodeRequest({ fc: 5, address: 1, value: true }), 3);
    r.reboot(1000, performance.now());
    expect(st.handle(9, encodeRequest({ fc: 1, address: 0, count: 8 }), 3)).toMatchObject({ kind: 'silent' });
    r.reboot(0, performance.now());
    expect(r.snapshot()).toMatchObject({ 'coil-1': false, 'input-1': false });
    expect(st.handle(9, encodeRequest({ fc: 1, address: 0, count: 8 }), 3)).not.toMatchObject({ kind: 'silent' });
  });
});
