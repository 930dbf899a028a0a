// Decoding points from the registers or bits of a read, and encoding values back (the simulator serves
// devices with the same code the gateway reads them with, so both sides agree by construction; the
// cross-checks against mbpoll and pymodbus prove they also agree with code we did not write).

import type { Point } from '../../config/index.js';
import type { ReadBlock } from './read-plan.js';

export interface DecodedPoint {
  /** Engineering value: raw × scale + offset, or a boolean for bits and coils. */
  value: number | boolean;
  raw: number | boolean;
  unit?: string;
  kind: Point['kind'];
  /** The enum label of the raw value, when the profile names it. */
  label?: string;
  /** Named status bits of the register. */
  bits?: Record<string, boolean>;
}

const f32 = new DataView(new ArrayBuffer(4));

/** Two registers to the four bytes A B C D of a big-endian 32-bit value, per word/byte order. */
function bytesOf(w0: number, w1: number, order: Point['order']): [number, number, number, number] {
  const a = w0 >> 8,
    b = w0 & 0xff,
    c = w1 >> 8,
    d = w1 & 0xff;
  switch (order) {
    case 'ABCD':
      return [a, b, c, d];
    case 'CDAB':
      return [c, d, a, b];
    case 'BADC':
      return [b, a, d, c];
    case 'DCBA':
      return [d, c, b, a];
  }
}

function wordsOf(bytes: [number, number, number, number], order: Point['order']): [number, number] {
  // bytesOf is its own inverse for each order: apply it to the big-endian bytes.
  const w0 = (bytes[0] << 8) | bytes[1];
  const w1 = (bytes[2] << 8) | bytes[3];
  const [a, b, c, d] = bytesOf(w0, w1, order);
  return [(a << 8) | b, (c << 8) | d];
}

/** Raw value of a register point from its words. */
export function rawFromWords(p: Point, words: readonly number[]): number | boolean {
  const w0 = words[0] ?? 0;
  switch (p.type) {
    case 'bool':
      return w0 !== 0;
    case 'bit':
      return ((w0 >> (p.bit ?? 0)) & 1) === 1;
    case 'u16':
      return w0;
    case 'i16':
      return w0 >= 0x8000 ? w0 - 0x10000 : w0;
    default: {
      const [a, b, c, d] = bytesOf(w0, words[1] ?? 0, p.order);
      f32.setUint8(0, a);
      f32.setUint8(1, b);
      f32.setUint8(2, c);
      f32.setUint8(3, d);
      if (p.type === 'u32') return f32.getUint32(0);
      if (p.type === 'i32') return f32.getInt32(0);
      return f32.getFloat32(0);
    }
  }
}

function engineering(p: Point, raw: number): number {
  const v = raw * p.scale + p.offset;
  // 1234 × 0.1 is 123.4000000001 in binary floating point; a sensor never has 12 significant digits.
  return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
}

export function decodePoint(p: Point, raw: number | boolean): DecodedPoint {
  const out: DecodedPoint = { value: typeof raw === 'boolean' ? raw : engineering(p, raw), raw, kind: p.kind };
  if (p.unit !== undefined) out.unit = p.unit;
  if (typeof raw === 'number') {
    const label = p.enum?.[String(raw)];
    if (label !== undefined) out.label = label;
    if (p.bits) out.bits = Object.fromEntries(Object.entries(p.bits).map(([name, bit]) => [name, ((raw >> bit) & 1) === 1]));
  }
  return out;
}

/** Decodes every point a block serves from its reply. */
export function decodeBlock(
  block: ReadBlock,
  points: Readonly<Record<string, Point>>,
  data: { registers?: number[]; bits?: boolean[] },
): Record<string, DecodedPoint> {
  const out: Record<string, DecodedPoint> = {};
  for (const name of block.points) {
    const p = points[name];
    if (!p) continue;
    const offset = p.address - block.address;
    const raw = data.bits ? (data.bits[offset] ?? false) : rawFromWords(p, (data.registers ?? []).slice(offset, offset + 2));
    out[name] = decodePoint(p, raw);
  }
  return out;
}

/** Registers (or one bit) that make a point read as `value`: the inverse of decoding, for the simulator. */
export function encodePoint(p: Point, value: number | boolean): number[] {
  if (p.type === 'bool' || p.type === 'bit') return [value ? 1 : 0];
  const raw = (Number(value) - p.offset) / p.scale;
  switch (p.type) {
    case 'u16':
      return [clampInt(raw, 0, 0xffff)];
    case 'i16':
      return [clampInt(raw, -0x8000, 0x7fff) & 0xffff];
    default: {
      if (p.type === 'u32') f32.setUint32(0, clampInt(raw, 0, 0xffffffff));
      else if (p.type === 'i32') f32.setInt32(0, clampInt(raw, -0x80000000, 0x7fffffff));
      else f32.setFloat32(0, raw);
      return wordsOf([f32.getUint8(0), f32.getUint8(1), f32.getUint8(2), f32.getUint8(3)], p.order);
    }
  }
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(v)));
}
