// Golden vectors for the GB/T 26875.3 codec, built by hand from the standard's layouts (README.md names
// the sources): each byte written out with what it is, the checksum worked out in the comment and checked
// by arithmetic, decoded to the fields and encoded back to the same bytes. Then every way a frame can be
// wrong, each rejected with its reason.
import { describe, expect, it } from 'vitest';
import { componentAddressOf } from './components.js';
import { checksum, dateOf, decodeFrame, encodeFrame, FrameReader, Gb26875Error, timeLabelOf, writeUint, type Frame } from './frame.js';
import { decodeUnit, encodeUnit, type DataUnit } from './units.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);
// 2026-12-02 08:15:30 as the standard writes it: second, minute, hour, day, month, year − 2000.
const TIME = [0x1e, 0x0f, 0x08, 0x02, 0x0c, 0x1a];
const time = { second: 30, minute: 15, hour: 8, day: 2, month: 12, year: 2026 };
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) % 256;

describe('GB/T 26875.3 golden frames', () => {
  it('a confirm with no data unit (the centre answering serial 258)', () => {
    const control = [
      ...[0x02, 0x01], // serial 0x0102 = 258, low byte first
      ...[0x01, 0x00], // version: main 1, user 0
      ...TIME,
      ...[0x01, 0x00, 0x00, 0x00, 0x00, 0x00], // source: the centre, address 1
      ...[0x39, 0x30, 0x00, 0x00, 0x00, 0x00], // destination: our box, address 12345 = 0x3039
      ...[0x00, 0x00], // data unit length 0
      0x03, // command 3: confirm
    ];
    // 2+1 + 1 + (30+15+8+2+12+26) + 1 + (0x39+0x30) + 3 = 3+1+93+1+105+3 = 206 = 0xce
    expect(sum(control)).toBe(0xce);
    const wire = bytes(0x40, 0x40, ...control, 0xce, 0x23, 0x23);
    const f = decodeFrame(wire);
    expect(f).toEqual({ serial: 258, version: { main: 1, user: 0 }, time, source: 1, destination: 12345, command: 3, data: new Uint8Array(0) });
    expect(dateOf(f.time, 'Asia/Shanghai')?.toISOString()).toBe('2026-12-02T00:15:30.000Z');
    expect(encodeFrame(f)).toEqual(wire);
  });

  it('send data: type 2, a point gas detector in fire alarm, "厨房燃气"', () => {
    const description = [0xb3, 0xf8, 0xb7, 0xbf, 0xc8, 0xbc, 0xc6, 0xf8]; // 厨房燃气 in GB 18030
    const unit = [
      0x02, // type 2: component running status
      0x01, // one object
      0x01, // system type 1: fire alarm system
      0x00, // system address 0
      0x0b, // component type 11: point combustible gas detector
      ...[0x01, 0x00, 0x01, 0x00], // component address 0x00010001, low byte first
      ...[0x03, 0x00], // status 0x0003: bit 0 running, bit 1 fire alarm
      ...description,
      ...new Array<number>(31 - description.length).fill(0), // description padded to 31 bytes
      ...TIME, // when the state began
    ];
    expect(unit).toHaveLength(2 + 46);
    const control = [0x05, 0x00, 0x01, 0x00, ...TIME, 0x39, 0x30, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 48, 0x00, 0x02];
    // control 5+1+93+105+1+48+2 = 255; unit 2+1+1+0+11+1+1+3+(8 bytes of text: 1502)+93 = 1748 … (255 + 1748) mod 256 = 0xd3
    expect(sum(control)).toBe(255);
    expect(unit.reduce((a, b) => a + b, 0)).toBe(1748);
    expect(sum([...control, ...unit])).toBe(0xd3);
    const wire = bytes(0x40, 0x40, ...control, ...unit, 0xd3, 0x23, 0x23);
    const f = decodeFrame(wire);
    expect(f.command).toBe(2);
    const u = decodeUnit(f.data);
    expect(u).toEqual({
      type: 2,
      objects: [{ type: 2, systemType: 1, systemAddress: 0, componentType: 11, componentAddress: 0x10001, status: 3, description: '厨房燃气', time }],
    });
    expect(encodeUnit(u)).toEqual(bytes(...unit));
    expect(encodeFrame({ ...f, data: encodeUnit(u) })).toEqual(wire);
  });

  it('send data: type 3, the same detector reading 25.0 %LEL (analog type 6, 0.1 %LEL steps: 250)', () => {
    const unit = [0x03, 0x01, 0x01, 0x00, 0x0b, 0x01, 0x00, 0x01, 0x00, 0x06, 0xfa, 0x00, ...TIME];
    const control = [0x06, 0x00, 0x01, 0x00, ...TIME, 0x39, 0x30, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 18, 0x00, 0x02];
    // control 6+1+93+105+1+18+2 = 226; unit 3+1+1+11+1+1+6+250+93 = 367; 593 mod 256 = 0x51
    expect(sum([...control, ...unit])).toBe(0x51);
    const wire = bytes(0x40, 0x40, ...control, ...unit, 0x51, 0x23, 0x23);
    const u = decodeUnit(decodeFrame(wire).data);
    expect(u.objects[0]).toEqual({ type: 3, systemType: 1, systemAddress: 0, componentType: 11, componentAddress: 0x10001, analogType: 6, value: 250, time });
    expect(encodeFrame(decodeFrame(wire))).toEqual(wire);
  });

  it('negative analog values are signed 16-bit: −12.5 °C is −125 = 0xff83', () => {
    const u: DataUnit = {
      type: 3,
      objects: [{ type: 3, systemType: 1, systemAddress: 0, componentType: 18, componentAddress: 7, analogType: 3, value: -125, time }],
    };
    const b = encodeUnit(u);
    expect([...b.subarray(10, 12)]).toEqual([0x83, 0xff]);
    expect(decodeUnit(b)).toEqual(u);
  });

  it('the transmitter, its operations, its clock and the centre’s commands', () => {
    const units: DataUnit[] = [
      { type: 21, objects: [{ type: 21, status: 0b011, time }] },
      { type: 24, objects: [{ type: 24, operation: 0b1, operator: 0, time }] },
      { type: 25, objects: [{ type: 25, major: 0, minor: 1 }] },
      { type: 26, objects: [{ type: 26, description: '九小场所网关 GW-DEMO-0001' }] },
      { type: 28, objects: [{ type: 28, clock: time }] },
      { type: 81, objects: [{ type: 81, reserved: 0 }] },
      { type: 84, objects: [{ type: 84, records: 10, from: time }] },
      { type: 90, objects: [{ type: 90, clock: time }] },
      { type: 91, objects: [{ type: 91, timeoutMinutes: 5 }] },
      { type: 61, objects: [{ type: 61, systemType: 1, systemAddress: 0 }] },
      { type: 62, objects: [{ type: 62, systemType: 1, systemAddress: 0, componentAddress: 0x10001 }] },
      { type: 64, objects: [{ type: 64, systemType: 1, systemAddress: 0, records: 3, from: time }] },
    ];
    expect([...encodeUnit(units[0]!)]).toEqual([21, 1, 0b011, ...TIME]);
    expect([...encodeUnit(units[1]!)]).toEqual([24, 1, 0b1, 0, ...TIME]);
    expect([...encodeUnit(units[7]!)]).toEqual([90, 1, ...TIME]);
    expect([...encodeUnit(units[8]!)]).toEqual([91, 1, 5]);
    expect([...encodeUnit(units[6]!)]).toEqual([84, 1, 10, ...TIME]);
    expect([...encodeUnit(units[10]!)]).toEqual([62, 1, 1, 0, 0x01, 0x00, 0x01, 0x00]);
    for (const u of units) expect(decodeUnit(encodeUnit(u))).toEqual(u);
  });

  it('several objects in one unit', () => {
    const u: DataUnit = {
      type: 1,
      objects: [
        { type: 1, systemType: 1, systemAddress: 0, status: 1, time },
        { type: 1, systemType: 10, systemAddress: 2, status: 0x0103, time },
      ],
    };
    const b = encodeUnit(u);
    expect([...b]).toEqual([1, 2, 1, 0, 1, 0, ...TIME, 10, 2, 0x03, 0x01, ...TIME]);
    expect(decodeUnit(b)).toEqual(u);
  });
});

describe('an independent implementation’s frame', () => {
  // The sample frame in the dgiot platform's Erlang GB/T 26875.3 decoder (dgiot/dgiot,
  // apps/dgiot_gb26875, the module's test/0): a type 2 fire alarm from "Ａ区１层呷哺走廊" with
  // checksum 0x68. Decoded here and encoded back byte for byte.
  const hex =
    '4040' +
    '0000' +
    '0101' +
    '180d11160a14' +
    '000000000000' +
    '060504030201' +
    '3000' +
    '02' + // control unit
    '0201' +
    '01' +
    '03' +
    '00' +
    'd9000600' +
    '0200' + // type 2 × 1: system 1/3, component type 0, address, status 2 (fire)
    'a3c1c7f8a3b1b2e3dfc8b2b8d7dfc0c8' +
    '00'.repeat(15) + // description, 16 bytes of text + 15 of padding
    '301213010814' + // time label 2020-08-01 19:18:48
    '68' +
    '2323';
  const wire = Uint8Array.from(Buffer.from(hex, 'hex'));

  it('decodes to a fire alarm with its GB 18030 description, and encodes back to the same bytes', () => {
    const f = decodeFrame(wire);
    expect(f).toMatchObject({ serial: 0, version: { main: 1, user: 1 }, source: 0, destination: 0x010203040506, command: 2 });
    expect(f.time).toEqual({ second: 24, minute: 13, hour: 17, day: 22, month: 10, year: 2020 });
    const u = decodeUnit(f.data);
    expect(u.objects[0]).toMatchObject({ type: 2, systemType: 1, systemAddress: 3, componentType: 0, componentAddress: 0x000600d9, status: 2 });
    expect(u.objects[0]).toMatchObject({ description: 'Ａ区１层呷哺走廊', time: { second: 48, minute: 18, hour: 19, day: 1, month: 8, year: 2020 } });
    expect(encodeFrame({ ...f, data: encodeUnit(u) })).toEqual(wire);
  });
});

describe('malformed frames are rejected with their reason', () => {
  const good = encodeFrame({
    serial: 7,
    version: { main: 1, user: 0 },
    time,
    source: 12345,
    destination: 1,
    command: 2,
    data: encodeUnit({ type: 21, objects: [{ type: 21, status: 1, time }] }),
  });
  const reason = (b: Uint8Array) => {
    try {
      decodeFrame(b);
      return 'accepted';
    } catch (err) {
      expect(err).toBeInstanceOf(Gb26875Error);
      return `${(err as Gb26875Error).reason}: ${(err as Error).message}`;
    }
  };
  const edit = (f: (b: Uint8Array) => void) => {
    const b = good.slice();
    f(b);
    return b;
  };

  it('each bad part named', () => {
    expect(reason(good)).toBe('accepted');
    expect(reason(edit((b) => (b[0] = 0x41)))).toMatch(/^start: frame starts with 0x41/);
    expect(reason(edit((b) => (b[1] = 0x00)))).toMatch(/^start:/);
    expect(reason(good.subarray(0, 20))).toMatch(/^incomplete: 20 bytes/);
    expect(reason(good.subarray(0, good.length - 1))).toMatch(/^incomplete:/);
    expect(reason(edit((b) => (b[good.length - 3] = (b[good.length - 3] as number) ^ 0xff)))).toMatch(/^checksum: checksum 0x[0-9a-f]{2}, the bytes add up to/);
    expect(reason(edit((b) => (b[30] = (b[30] as number) ^ 0x01)))).toMatch(/^checksum:/); // a flipped data bit
    expect(reason(edit((b) => (b[good.length - 1] = 0x24)))).toMatch(/^end: no ## after the 9-byte data unit/);
    // Length over 1024 (checked before waiting for the bytes).
    expect(reason(edit((b) => ((b[24] = 0x01), (b[25] = 0x04))))).toMatch(/^length: data unit length 1025 is over 1024/);
    // Command 9 with a checksum that fits it.
    const cmd = edit((b) => (b[26] = 9));
    cmd[good.length - 3] = checksum(cmd, 2, good.length - 3);
    expect(reason(cmd)).toMatch(/^command: command byte 9 is not one of 1–6/);
    expect(reason(Uint8Array.from([...good, 0x00]))).toMatch(/^junk: 1 bytes after/);
  });

  it('bad data units named too', () => {
    const unit = (...xs: number[]) => {
      try {
        decodeUnit(Uint8Array.from(xs));
        return 'accepted';
      } catch (err) {
        return `${(err as Gb26875Error).reason}: ${(err as Error).message}`;
      }
    };
    expect(unit(21, 1, 1, ...TIME)).toBe('accepted');
    expect(unit(22, 1, 0)).toMatch(/^type: unknown information type 22/);
    expect(unit(21, 0)).toMatch(/^count: type 21 with 0 objects/);
    expect(unit(21, 2, 1, ...TIME)).toMatch(/^unit-length: type 21: object 2 of 2 needs 7 bytes, 0 left/);
    expect(unit(21, 1, 1, ...TIME, 0)).toMatch(/^unit-length: type 21 × 1: 1 bytes left over/);
    expect(unit(21)).toMatch(/^unit-length: a data unit has at least 2 bytes/);
    expect(unit(26, 1, 5, 0x41)).toMatch(/^unit-length: type 26: object 1 of 1 needs 6 bytes, 2 left/);
    // 0x80 alone is not GB 18030.
    expect(unit(26, 1, 1, 0x80)).toMatch(/^text: configuration description is not GB 18030 text/);
  });

  it('encoding refuses what it cannot send, naming the field', () => {
    const f: Frame = { serial: 70000, version: { main: 1, user: 0 }, time, source: 1, destination: 2, command: 2, data: new Uint8Array(0) };
    expect(() => encodeFrame(f)).toThrow(/serial must be a whole number 0–65535, got 70000/);
    expect(() => encodeFrame({ ...f, serial: 1, data: new Uint8Array(1025) })).toThrow(/over the 1024-byte limit/);
    expect(() => encodeFrame({ ...f, serial: 1, time: { ...time, year: 1999 } })).toThrow(/time label year must be 2000–2255/);
    const long = '一二三四五六七八九十一二三四五六'; // 16 characters, 32 bytes
    expect(() =>
      encodeUnit({
        type: 2,
        objects: [{ type: 2, systemType: 1, systemAddress: 0, componentType: 11, componentAddress: 1, status: 1, description: long, time }],
      }),
    ).toThrow(/is 32 bytes in GB 18030, over 31/);
    expect(() =>
      encodeUnit({
        type: 3,
        objects: [{ type: 3, systemType: 1, systemAddress: 0, componentType: 11, componentAddress: 1, analogType: 6, value: 40000, time }],
      }),
    ).toThrow(/analog value must be a whole number −32768–32767/);
  });
});

describe('FrameReader: frames out of a byte stream', () => {
  const frame = (serial: number) =>
    encodeFrame({ serial, version: { main: 1, user: 0 }, time, source: 1, destination: 2, command: 3, data: new Uint8Array(0) });

  it('frames split across chunks, several in one chunk', () => {
    const r = new FrameReader();
    const all = Uint8Array.from([...frame(1), ...frame(2), ...frame(3)]);
    expect(r.push(all.subarray(0, 10)).frames).toEqual([]);
    expect(r.pending).toBe(10);
    expect(r.push(all.subarray(10, 40)).frames.map((f) => f.serial)).toEqual([1]);
    expect(r.push(all.subarray(40)).frames.map((f) => f.serial)).toEqual([2, 3]);
    expect(r.pending).toBe(0);
  });

  it('resynchronises on junk, a lone @, a bad checksum and a frame cut short', () => {
    const r = new FrameReader();
    const bad = frame(2);
    bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 1;
    const cut = frame(4).subarray(0, 20);
    const stream = Uint8Array.from([0x00, 0x13, 0x40, 0x37, ...frame(1), ...bad, 0xff, ...cut, ...frame(5), 0x40]);
    const out = r.push(stream);
    expect(out.frames.map((f) => f.serial)).toEqual([1, 5]);
    // The junk before frame 1 (a lone @ in it is not a start), the bad checksum (with the 0xff after it),
    // the cut frame: its length field reads into frame 5, so no ## where it says.
    expect(out.rejected.map((x) => [x.reason, x.skipped])).toEqual([
      ['junk', 4],
      ['checksum', bad.length + 1],
      ['end', 20],
    ]);
    // The lone @ at the end is kept: it may be the first half of the next start.
    expect(r.pending).toBe(1);
    expect(r.push(frame(6).subarray(1)).frames.map((f) => f.serial)).toEqual([6]);
  });

  it('a bad frame whose control unit is readable carries its serial (to be denied under it)', () => {
    const bad = frame(77);
    bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 1;
    expect(new FrameReader().push(bad).rejected).toEqual([expect.objectContaining({ reason: 'checksum', serial: 77, count: 1 })]);
  });

  it('a flood of @ stays a few entries however long it is: like rejections are counted together', () => {
    const r = new FrameReader();
    const out = r.push(new Uint8Array(1_000_000).fill(0x40));
    expect(out.rejected.length).toBeLessThanOrEqual(17);
    expect(out.rejected.reduce((n, x) => n + x.count, 0)).toBeGreaterThan(400_000);
    expect(out.rejected.reduce((n, x) => n + x.skipped, 0) + r.pending).toBe(1_000_000);
    expect(r.pending).toBeLessThan(30);
  });
});

describe('component addresses', () => {
  it('loop-first is the published worked example: "2号10区" (zone 10, number 2) is 0a 00 02 00 on the wire', () => {
    const wire = new Uint8Array(4);
    writeUint(wire, 0, componentAddressOf('loop-first', 10, 2), 4);
    expect([...wire]).toEqual([0x0a, 0x00, 0x02, 0x00]);
    writeUint(wire, 0, componentAddressOf('point-first', 10, 2), 4);
    expect([...wire]).toEqual([0x02, 0x00, 0x0a, 0x00]);
  });
});

describe('time labels are in the venue’s zone, whatever the process’s', () => {
  it('a box left at UTC labels 08:15:30 Beijing time as 08:15:30, not 00:15:30', () => {
    const tz = process.env.TZ;
    try {
      for (const processZone of ['UTC', 'America/New_York', 'Asia/Shanghai']) {
        process.env.TZ = processZone; // Node reads TZ at each Date call on Linux
        const at = new Date('2026-12-02T00:15:30.000Z');
        expect([processZone, timeLabelOf(at, 'Asia/Shanghai')]).toEqual([processZone, time]);
        expect([processZone, dateOf(time, 'Asia/Shanghai')?.toISOString()]).toEqual([processZone, at.toISOString()]);
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('an hourly walk through a year round-trips, in a zone with summer time too; a time that does not exist is no date', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/Berlin']) {
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3_599_000) {
        const label = timeLabelOf(new Date(ms), zone);
        const back = dateOf(label, zone);
        expect(back && timeLabelOf(back, zone)).toEqual(label);
        // The instant too, but for the hour a summer-time zone lives twice in autumn (either is right).
        if (zone === 'Asia/Shanghai') expect(back?.getTime()).toBe(Math.floor(ms / 1000) * 1000);
      }
    }
    // 2026-03-29 02:30 does not happen in Berlin (clocks go from 02:00 to 03:00); 31 February nowhere.
    expect(dateOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin')).toBeUndefined();
    expect(dateOf({ year: 2026, month: 2, day: 31, hour: 12, minute: 0, second: 0 }, 'Asia/Shanghai')).toBeUndefined();
    expect(dateOf({ year: 2026, month: 2, day: 1, hour: 12, minute: 0, second: 60 }, 'Asia/Shanghai')).toBeUndefined();
  });
});
