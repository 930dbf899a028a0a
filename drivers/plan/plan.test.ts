// Read planning and the codec: fewest reads within the device's limits, and every type and word order.
import { describe, expect, it } from 'vitest';
import { PointSchema, type Point } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../profiles/index.js';
import { decodePoint, encodePoint, rawFromWords } from './codec.js';
import { planReads } from './read-plan.js';

const pt = (p: Record<string, unknown>): Point => PointSchema.parse(p);

describe('read planning', () => {
  it('merges contiguous and near points of one function, splits functions', () => {
    const blocks = planReads(
      {
        a: pt({ fc: 3, address: 0, type: 'u16' }),
        b: pt({ fc: 3, address: 1, type: 'u32' }),
        c: pt({ fc: 3, address: 10, type: 'u16' }),
        d: pt({ fc: 4, address: 0, type: 'u16' }),
      },
      { maxRegistersPerRead: 125, maxGap: 8 },
    );
    expect(blocks).toEqual([
      { fc: 3, address: 0, count: 11, points: ['a', 'b', 'c'] },
      { fc: 4, address: 0, count: 1, points: ['d'] },
    ]);
  });

  it('respects maxGap and maxRegistersPerRead, never splitting a 32-bit value', () => {
    const points = { a: pt({ fc: 3, address: 0, type: 'u16' }), b: pt({ fc: 3, address: 2, type: 'f32' }), c: pt({ fc: 3, address: 20, type: 'u16' }) };
    expect(planReads(points, { maxRegistersPerRead: 125, maxGap: 0 }).map((b) => [b.address, b.count])).toEqual([
      [0, 1],
      [2, 2],
      [20, 1],
    ]);
    expect(planReads(points, { maxRegistersPerRead: 3, maxGap: 8 }).map((b) => [b.address, b.count])).toEqual([
      [0, 1],
      [2, 2],
      [20, 1],
    ]);
    expect(planReads(points, { maxRegistersPerRead: 4, maxGap: 8 }).map((b) => [b.address, b.count])).toEqual([
      [0, 4],
      [20, 1],
    ]);
  });

  it('plans each built-in profile into few reads', () => {
    const n = (name: string) => planReads(BUILTIN_PROFILES[name]!.points, { maxRegistersPerRead: 125, maxGap: 8 }).length;
    expect(n('acrel-asj')).toBe(1); // 0x0000–0x001B in one read: gaps of 6–7 registers are spanned
    expect(n('gas-lel')).toBe(1);
    expect(n('electrical-fire')).toBe(1);
    expect(n('smoke')).toBe(1);
    expect(n('relay')).toBe(2); // coils and discrete inputs
  });
});

describe('codec', () => {
  const value = 0x12345678;
  const words: Record<string, number[]> = { ABCD: [0x1234, 0x5678], CDAB: [0x5678, 0x1234], BADC: [0x3412, 0x7856], DCBA: [0x7856, 0x3412] };
  for (const [order, w] of Object.entries(words)) {
    it(`u32 in ${order} order`, () => {
      const p = pt({ fc: 3, address: 0, type: 'u32', order });
      expect(rawFromWords(p, w)).toBe(value);
      expect(encodePoint(p, value)).toEqual(w);
    });
  }

  it('f32, i32, i16 and scaling round-trip', () => {
    const f = pt({ fc: 3, address: 0, type: 'f32', order: 'CDAB' });
    expect(decodePoint(f, rawFromWords(f, encodePoint(f, 21.5))).value).toBe(21.5);
    const i = pt({ fc: 3, address: 0, type: 'i32' });
    expect(rawFromWords(i, encodePoint(i, -123456))).toBe(-123456);
    const t = pt({ fc: 3, address: 0, type: 'i16', scale: 0.1 });
    expect(encodePoint(t, -12.3)).toEqual([0xff85]);
    expect(decodePoint(t, rawFromWords(t, [0xff85])).value).toBe(-12.3);
  });

  it('bits, enums and named status bits', () => {
    const b = pt({ fc: 3, address: 0, type: 'bit', bit: 3 });
    expect(rawFromWords(b, [0b1000])).toBe(true);
    const s = pt({ fc: 3, address: 0, type: 'u16', enum: { '2': 'alarm' }, bits: { al1: 0, fault: 3 } });
    expect(decodePoint(s, 2)).toMatchObject({ label: 'alarm', bits: { al1: false, fault: false } });
    expect(decodePoint(s, 9).bits).toEqual({ al1: true, fault: true });
  });

  it('scaled values carry no binary noise (123 × 0.1 is 12.3)', () => {
    const p = pt({ fc: 4, address: 0, type: 'u16', scale: 0.1 });
    expect(decodePoint(p, 123).value).toBe(12.3);
    expect(encodePoint(p, 12.3)).toEqual([123]);
  });
});
