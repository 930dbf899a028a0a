// Pure tests of the Modbus core: CRC against published vectors, PDU round trips, and the RTU and MBAP
// reply matchers against every kind of bad byte stream a field bus produces.
import { describe, expect, it } from 'vitest';
import { crc16, crcOk, withCrc } from './crc.js';
import { MbapFraming, RtuFraming } from './framing.js';
import { decodeReply, decodeRequest, encodeReply, encodeRequest, requestLength, type Request } from './pdu.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('CRC-16/MODBUS', () => {
  it('matches the check value of the catalogue ("123456789" → 0x4B37)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x4b37);
  });
  it('matches a frame from the Modbus serial-line spec example (01 03 00 00 00 01 → 84 0A)', () => {
    expect(withCrc(hex('010300000001'))).toEqual(hex('01030000000184 0A'));
    expect(crcOk(hex('010300000001840A'), 0, 8)).toBe(true);
    expect(crcOk(hex('010300000001840B'), 0, 8)).toBe(false);
  });
});

describe('PDU', () => {
  const requests: Request[] = [
    { fc: 1, address: 0, count: 10 },
    { fc: 2, address: 7, count: 1 },
    { fc: 3, address: 0x001b, count: 1 },
    { fc: 4, address: 65534, count: 2 },
    { fc: 5, address: 3, value: true },
    { fc: 6, address: 8, value: 300 },
    { fc: 15, address: 0, values: [true, false, true, true, false, false, false, false, true] },
    { fc: 16, address: 8, values: [300, 200] },
  ];
  for (const r of requests) {
    it(`fc ${r.fc} request survives encode → decode`, () => {
      const pdu = encodeRequest(r);
      expect(requestLength(pdu)).toBe(pdu.length);
      expect(decodeRequest(pdu)).toEqual({ ok: true, request: r });
    });
  }

  it('refuses requests that cannot be sent', () => {
    expect(() => encodeRequest({ fc: 3, address: 0, count: 126 })).toThrow(/count 126 is outside 1–125/);
    expect(() => encodeRequest({ fc: 3, address: 65535, count: 2 })).toThrow(/runs past 65535/);
    expect(() => encodeRequest({ fc: 6, address: 0, value: 70000 })).toThrow(/outside 0–65535/);
  });

  it('a reply must match the request: byte count, echoed address and value', () => {
    const r: Request = { fc: 3, address: 0, count: 2 };
    expect(decodeReply(r, hex('0304 0001 0002'))).toEqual({ fc: 3, registers: [1, 2] });
    expect(decodeReply(r, hex('0302 0001'))).toBeNull(); // wrong byte count
    expect(decodeReply(r, hex('0404 0001 0002'))).toBeNull(); // wrong function
    expect(decodeReply({ fc: 6, address: 8, value: 300 }, hex('06 0008 012D'))).toBeNull(); // wrong echo
    expect(() => decodeReply(r, hex('8302'))).toThrow(/exception 2 \(illegal data address\)/);
  });

  it('server side answers bad requests with the right exception', () => {
    expect(decodeRequest(hex('2B0E0100'))).toMatchObject({ ok: false, exception: 1 });
    expect(decodeRequest(hex('03 0000 0000'))).toMatchObject({ ok: false, exception: 3 });
    expect(decodeRequest(hex('03 FFFF 0002'))).toMatchObject({ ok: false, exception: 2 });
    expect(decodeRequest(hex('05 0000 1234'))).toMatchObject({ ok: false, exception: 3 });
  });

  it('bits are packed LSB first', () => {
    const pdu = encodeReply({ fc: 1, bits: [true, false, true, false, false, false, false, false, true] });
    expect(pdu).toEqual(hex('01 02 05 01'));
    expect(decodeReply({ fc: 1, address: 0, count: 9 }, pdu)).toEqual({ fc: 1, bits: [true, false, true, false, false, false, false, false, true] });
  });
});

describe('RTU reply matcher', () => {
  const req: Request = { fc: 3, address: 0, count: 2 };
  const good = withCrc(hex('01 03 04 0011 0022'));
  const start = () => {
    const f = new RtuFraming();
    f.begin(1, req, encodeRequest(req));
    return f;
  };

  it('accepts the reply in one piece or byte by byte', () => {
    expect(start().push(good)).toEqual({ reply: { fc: 3, registers: [0x11, 0x22] } });
    const f = start();
    for (let i = 0; i < good.length - 1; i++) expect(f.push(good.subarray(i, i + 1))).toBeUndefined();
    expect(f.push(good.subarray(good.length - 1))).toEqual({ reply: { fc: 3, registers: [0x11, 0x22] } });
  });

  it('skips noise and stale bytes before the reply', () => {
    const f = start();
    expect(f.push(Buffer.concat([hex('FF 00 01 03 7E'), good]))).toEqual({ reply: { fc: 3, registers: [0x11, 0x22] } });
    expect(f.counters.discardedBytes).toBeGreaterThanOrEqual(5);
  });

  it('drops a frame with a bad CRC and takes the good one after it', () => {
    const bad = Buffer.from(good);
    bad[4] = 0x99;
    const f = start();
    expect(f.push(Buffer.concat([bad, good]))).toEqual({ reply: { fc: 3, registers: [0x11, 0x22] } });
    expect(f.counters.crcErrors).toBeGreaterThanOrEqual(1);
  });

  it('drops a well-formed reply from another slave', () => {
    const f = start();
    expect(f.push(withCrc(hex('02 03 04 0011 0022')))).toBeUndefined();
    expect(f.counters.foreignFrames).toBe(1);
  });

  it('drops a reply to another request of the same slave (other count)', () => {
    const f = start();
    expect(f.push(withCrc(hex('01 03 02 0011')))).toBeUndefined();
    expect(f.push(good)).toEqual({ reply: { fc: 3, registers: [0x11, 0x22] } });
  });

  it('reports an exception from the slave', () => {
    expect(start().push(withCrc(hex('01 83 02')))).toEqual({ error: expect.objectContaining({ code: 'exception', exceptionCode: 2 }) });
  });

  it('ignores bytes when nothing is in flight, and a reset discards a partial frame', () => {
    const f = new RtuFraming();
    expect(f.push(good)).toBeUndefined();
    const g = start();
    g.push(good.subarray(0, 5));
    g.reset();
    expect(g.counters.discardedBytes).toBe(5);
  });
});

describe('MBAP reply matcher', () => {
  const req: Request = { fc: 4, address: 0, count: 1 };
  const frame = (tid: number, slaveId: number, pdu: string) => {
    const p = hex(pdu);
    const h = Buffer.alloc(7);
    h.writeUInt16BE(tid, 0);
    h.writeUInt16BE(0, 2);
    h.writeUInt16BE(p.length + 1, 4);
    h[6] = slaveId;
    return Buffer.concat([h, p]);
  };

  it('takes the reply with the transaction id in flight, drops an older one', () => {
    const f = new MbapFraming();
    const sent = f.begin(1, req, encodeRequest(req));
    const tid = sent.readUInt16BE(0);
    expect(f.push(frame(tid - 1, 1, '04 02 0063'))).toBeUndefined();
    expect(f.counters.foreignFrames).toBe(1);
    expect(f.push(frame(tid, 1, '04 02 0064'))).toEqual({ reply: { fc: 4, registers: [100] } });
  });

  it('drops a reply with another unit id, and a stream that is not MBAP', () => {
    const f = new MbapFraming();
    const tid = f.begin(5, req, encodeRequest(req)).readUInt16BE(0);
    expect(f.push(frame(tid, 6, '04 02 0064'))).toBeUndefined();
    expect(f.push(hex('48 54 54 50 2F 31 2E 31'))).toBeUndefined();
    expect(f.counters.discardedBytes).toBe(8);
  });
});
