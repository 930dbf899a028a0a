// Modbus PDUs (function code + data), both directions: the master encodes requests and checks replies,
// the simulator decodes requests and encodes replies. Framing (RTU CRC, TCP MBAP) is elsewhere.
// Limits are those of the Modbus Application Protocol v1.1b3 §6.

import { exceptionError, ModbusError } from './errors.js';

export type ReadFunction = 1 | 2 | 3 | 4;

export type Request =
  | { fc: ReadFunction; address: number; count: number }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15; address: number; values: boolean[] }
  | { fc: 16; address: number; values: number[] };

export type Reply =
  | { fc: 1 | 2; bits: boolean[] }
  | { fc: 3 | 4; registers: number[] }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15 | 16; address: number; count: number };

export const MAX_READ_BITS = 2000;
export const MAX_READ_REGISTERS = 125;
const MAX_WRITE_BITS = 1968;
const MAX_WRITE_REGISTERS = 123;

function checkRange(address: number, count: number, max: number, what: string): void {
  if (!Number.isInteger(address) || address < 0 || address > 0xffff) throw new ModbusError('bad-request', `address ${address} is outside 0–65535`);
  if (!Number.isInteger(count) || count < 1 || count > max) throw new ModbusError('bad-request', `${what} count ${count} is outside 1–${max}`);
  if (address + count > 0x10000) throw new ModbusError('bad-request', `address ${address} + ${count} ${what} runs past 65535`);
}

/** The five-byte PDU shared by reads (fc, address, count), single writes and their echo (fc, address,
 *  value) and the answer to a multiple write (fc, address, count). */
function fiveBytes(fc: number, first: number, second: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = fc;
  b.writeUInt16BE(first, 1);
  b.writeUInt16BE(second, 3);
  return b;
}

export function encodeRequest(r: Request): Buffer {
  switch (r.fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      checkRange(r.address, r.count, r.fc <= 2 ? MAX_READ_BITS : MAX_READ_REGISTERS, r.fc <= 2 ? 'bit' : 'register');
      return fiveBytes(r.fc, r.address, r.count);
    }
    case 5: {
      checkRange(r.address, 1, 1, 'coil');
      return fiveBytes(5, r.address, r.value ? 0xff00 : 0x0000);
    }
    case 6: {
      checkRange(r.address, 1, 1, 'register');
      if (!Number.isInteger(r.value) || r.value < 0 || r.value > 0xffff) throw new ModbusError('bad-request', `register value ${r.value} is outside 0–65535`);
      return fiveBytes(6, r.address, r.value);
    }
    case 15: {
      checkRange(r.address, r.values.length, MAX_WRITE_BITS, 'coil');
      const bytes = Math.ceil(r.values.length / 8);
      const b = Buffer.alloc(6 + bytes);
      b[0] = 15;
      b.writeUInt16BE(r.address, 1);
      b.writeUInt16BE(r.values.length, 3);
      b[5] = bytes;
      r.values.forEach((v, i) => {
        if (v) b[6 + (i >> 3)] = (b[6 + (i >> 3)] as number) | (1 << (i & 7));
      });
      return b;
    }
    case 16: {
      checkRange(r.address, r.values.length, MAX_WRITE_REGISTERS, 'register');
      const b = Buffer.alloc(6 + r.values.length * 2);
      b[0] = 16;
      b.writeUInt16BE(r.address, 1);
      b.writeUInt16BE(r.values.length, 3);
      b[5] = r.values.length * 2;
      r.values.forEach((v, i) => {
        if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new ModbusError('bad-request', `register value ${v} is outside 0–65535`);
        b.writeUInt16BE(v, 6 + i * 2);
      });
      return b;
    }
  }
}

/** Length of the normal reply PDU to a request: what a framer waits for. */
export function replyLength(r: Request): number {
  switch (r.fc) {
    case 1:
    case 2:
      return 2 + Math.ceil(r.count / 8);
    case 3:
    case 4:
      return 2 + r.count * 2;
    default:
      return 5;
  }
}

/** An exception reply PDU is always fc|0x80 + code. */
export const EXCEPTION_LENGTH = 2;

/**
 * Checks a reply PDU against the request in flight and decodes it. Anything that does not match (function
 * code, byte count, echoed address or value) is an error: a wrong reply is never returned as data.
 * Returns null when the PDU is not a reply to this request at all (the caller discards it).
 */
export function decodeReply(r: Request, pdu: Uint8Array): Reply | null {
  const fc = pdu[0];
  if (fc === (r.fc | 0x80)) {
    if (pdu.length !== EXCEPTION_LENGTH) return null;
    throw exceptionError(r.fc, pdu[1] as number);
  }
  if (fc !== r.fc || pdu.length !== replyLength(r)) return null;
  const b = Buffer.from(pdu.buffer, pdu.byteOffset, pdu.length);
  switch (r.fc) {
    case 1:
    case 2: {
      if (b[1] !== Math.ceil(r.count / 8)) return null;
      const bits: boolean[] = [];
      for (let i = 0; i < r.count; i++) bits.push((((b[2 + (i >> 3)] as number) >> (i & 7)) & 1) === 1);
      return { fc: r.fc, bits };
    }
    case 3:
    case 4: {
      if (b[1] !== r.count * 2) return null;
      const registers: number[] = [];
      for (let i = 0; i < r.count; i++) registers.push(b.readUInt16BE(2 + i * 2));
      return { fc: r.fc, registers };
    }
    case 5: {
      const address = b.readUInt16BE(1);
      const raw = b.readUInt16BE(3);
      if (address !== r.address || raw !== (r.value ? 0xff00 : 0)) return null;
      return { fc: 5, address, value: r.value };
    }
    case 6: {
      const address = b.readUInt16BE(1);
      const value = b.readUInt16BE(3);
      if (address !== r.address || value !== r.value) return null;
      return { fc: 6, address, value };
    }
    case 15:
    case 16: {
      const address = b.readUInt16BE(1);
      const count = b.readUInt16BE(3);
      if (address !== r.address || count !== r.values.length) return null;
      return { fc: r.fc, address, count };
    }
  }
}

// ------------------------------------------------------------------------------------- server side

/** A request as a server sees it, or the exception code it deserves (01 illegal function, 03 value). */
export type ParsedRequest = { ok: true; request: Request } | { ok: false; fc: number; exception: number };

/** Length of a request PDU starting at pdu[0], or undefined when more bytes are needed to know. */
export function requestLength(pdu: Uint8Array): number | undefined {
  const fc = pdu[0];
  if (fc === undefined) return undefined;
  if (fc >= 1 && fc <= 6) return 5;
  if (fc === 15 || fc === 16) return pdu.length >= 6 ? 6 + (pdu[5] as number) : undefined;
  return undefined;
}

export function decodeRequest(pdu: Uint8Array): ParsedRequest {
  const fc = pdu[0] ?? 0;
  const b = Buffer.from(pdu.buffer, pdu.byteOffset, pdu.length);
  const bad = (exception: number): ParsedRequest => ({ ok: false, fc, exception });
  if (![1, 2, 3, 4, 5, 6, 15, 16].includes(fc)) return bad(1);
  if (pdu.length < 5) return bad(3);
  const address = b.readUInt16BE(1);
  const n = b.readUInt16BE(3);
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const max = fc <= 2 ? MAX_READ_BITS : MAX_READ_REGISTERS;
      if (n < 1 || n > max) return bad(3);
      if (address + n > 0x10000) return bad(2);
      return { ok: true, request: { fc, address, count: n } };
    }
    case 5:
      if (n !== 0xff00 && n !== 0) return bad(3);
      return { ok: true, request: { fc: 5, address, value: n === 0xff00 } };
    case 6:
      return { ok: true, request: { fc: 6, address, value: n } };
    case 15: {
      const bytes = b[5] ?? 0;
      if (n < 1 || n > MAX_WRITE_BITS || bytes !== Math.ceil(n / 8) || pdu.length !== 6 + bytes) return bad(3);
      const values: boolean[] = [];
      for (let i = 0; i < n; i++) values.push((((b[6 + (i >> 3)] as number) >> (i & 7)) & 1) === 1);
      return { ok: true, request: { fc: 15, address, values } };
    }
    default: {
      const bytes = b[5] ?? 0;
      if (n < 1 || n > MAX_WRITE_REGISTERS || bytes !== n * 2 || pdu.length !== 6 + bytes) return bad(3);
      const values: number[] = [];
      for (let i = 0; i < n; i++) values.push(b.readUInt16BE(6 + i * 2));
      return { ok: true, request: { fc: 16, address, values } };
    }
  }
}

export function encodeReply(reply: Reply): Buffer {
  switch (reply.fc) {
    case 1:
    case 2: {
      const bytes = Math.ceil(reply.bits.length / 8);
      const b = Buffer.alloc(2 + bytes);
      b[0] = reply.fc;
      b[1] = bytes;
      reply.bits.forEach((v, i) => {
        if (v) b[2 + (i >> 3)] = (b[2 + (i >> 3)] as number) | (1 << (i & 7));
      });
      return b;
    }
    case 3:
    case 4: {
      const b = Buffer.alloc(2 + reply.registers.length * 2);
      b[0] = reply.fc;
      b[1] = reply.registers.length * 2;
      reply.registers.forEach((v, i) => b.writeUInt16BE(v & 0xffff, 2 + i * 2));
      return b;
    }
    case 5:
      return fiveBytes(5, reply.address, reply.value ? 0xff00 : 0);
    case 6:
      return fiveBytes(6, reply.address, reply.value);
    case 15:
    case 16:
      return fiveBytes(reply.fc, reply.address, reply.count);
  }
}

export function encodeException(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code]);
}
