// Property tests of the GB/T 26875.3 codec (fast-check): whatever bytes arrive, decoding fails only with
// the codec's own error; whatever decodes, encodes back to the very same bytes; whatever we build,
// survives the round trip; and the stream reader finds every frame whatever noise and chunking surround
// it. Seeds are printed by fast-check on failure, so a case can be replayed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameReader, Gb26875Error, type Frame, type TimeLabel } from './frame.js';
import { decodeUnit, encodeUnit, INFO_TYPES, type DataUnit, type InfoObject } from './units.js';

const RUNS = 2000;

function onlyCodecErrors(f: () => unknown): boolean {
  try {
    f();
  } catch (err) {
    if (!(err instanceof Gb26875Error)) throw err;
  }
  return true;
}

const byte = fc.integer({ min: 0, max: 255 });
const timeLabel: fc.Arbitrary<TimeLabel> = fc.record({
  second: byte,
  minute: byte,
  hour: byte,
  day: byte,
  month: byte,
  year: fc.integer({ min: 2000, max: 2255 }),
});
const u32 = fc.integer({ min: 0, max: 0xffffffff });
// Text that fits a 31-byte description in GB 18030 (up to 15 CJK characters or 31 ASCII), no trailing NUL.
const description = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(...'厨房燃气探测器一楼二号店铺阀门风机'),
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    ),
    maxLength: 15,
  })
  .filter((s) => !s.endsWith('\0'));
const sys = { systemType: byte, systemAddress: byte };
const comp = { ...sys, componentType: byte, componentAddress: u32 };

const objectOf: Record<number, fc.Arbitrary<InfoObject>> = {
  1: fc.record({ type: fc.constant(1 as const), ...sys, status: fc.integer({ min: 0, max: 0xffff }), time: timeLabel }),
  2: fc.record({ type: fc.constant(2 as const), ...comp, status: fc.integer({ min: 0, max: 0xffff }), description, time: timeLabel }),
  3: fc.record({ type: fc.constant(3 as const), ...comp, analogType: byte, value: fc.integer({ min: -32768, max: 32767 }), time: timeLabel }),
  4: fc.record({ type: fc.constant(4 as const), ...sys, operation: byte, operator: byte, time: timeLabel }),
  5: fc.record({ type: fc.constant(5 as const), ...sys, major: byte, minor: byte }),
  6: fc.record({ type: fc.constant(6 as const), ...sys, description }),
  7: fc.record({ type: fc.constant(7 as const), ...comp, description }),
  8: fc.record({ type: fc.constant(8 as const), ...sys, clock: timeLabel }),
  21: fc.record({ type: fc.constant(21 as const), status: byte, time: timeLabel }),
  24: fc.record({ type: fc.constant(24 as const), operation: byte, operator: byte, time: timeLabel }),
  25: fc.record({ type: fc.constant(25 as const), major: byte, minor: byte }),
  26: fc.record({ type: fc.constant(26 as const), description }),
  28: fc.record({ type: fc.constant(28 as const), clock: timeLabel }),
  61: fc.record({ type: fc.constant(61 as const), ...sys }),
  62: fc.record({ type: fc.constant(62 as const), ...sys, componentAddress: u32 }),
  64: fc.record({ type: fc.constant(64 as const), ...sys, records: byte, from: timeLabel }),
  81: fc.record({ type: fc.constant(81 as const), reserved: byte }),
  84: fc.record({ type: fc.constant(84 as const), records: byte, from: timeLabel }),
  90: fc.record({ type: fc.constant(90 as const), clock: timeLabel }),
  91: fc.record({ type: fc.constant(91 as const), timeoutMinutes: byte }),
};
const dataUnit: fc.Arbitrary<DataUnit> = fc
  .constantFrom(...Object.keys(objectOf).map(Number))
  .chain((type) =>
    fc.array(objectOf[type] as fc.Arbitrary<InfoObject>, { minLength: 1, maxLength: 6 }).map((objects) => ({ type: objects[0]!.type, objects })),
  );

const frame: fc.Arbitrary<Frame> = fc.record({
  serial: fc.integer({ min: 0, max: 0xffff }),
  version: fc.record({ main: byte, user: byte }),
  time: timeLabel,
  source: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  destination: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  command: fc.constantFrom(1, 2, 3, 4, 5, 6) as fc.Arbitrary<Frame['command']>,
  data: fc.oneof(fc.constant(new Uint8Array(0)), dataUnit.map(encodeUnit)),
});

describe('GB/T 26875.3 codec properties', () => {
  it('decodeFrame on any bytes: a frame or a Gb26875Error, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (b) => onlyCodecErrors(() => decodeFrame(b))),
      { numRuns: RUNS },
    );
  });

  it('decodeFrame on bytes near a frame (a valid one with bytes changed): the same', () => {
    fc.assert(
      fc.property(frame, fc.array(fc.tuple(fc.nat(), byte), { maxLength: 4 }), (f, edits) => {
        const b = encodeFrame(f);
        for (const [at, v] of edits) b[at % b.length] = v;
        return onlyCodecErrors(() => decodeFrame(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeUnit on any bytes after a known type and count: a unit or a Gb26875Error; what decodes re-encodes identically', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INFO_TYPES, 0, 22, 255), fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 200 }), (type, count, rest) => {
        const b = Uint8Array.from([type, count, ...rest]);
        let u: DataUnit | undefined;
        onlyCodecErrors(() => (u = decodeUnit(b)));
        if (u) expect(encodeUnit(u)).toEqual(b);
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it('encode then decode gives back every frame and unit we can build, and encodes to the same bytes again', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const wire = encodeFrame(f);
        const back = decodeFrame(wire);
        expect(back).toEqual(f);
        expect(encodeFrame(back)).toEqual(wire);
        if (f.data.length) expect(encodeUnit(decodeUnit(back.data))).toEqual(f.data);
      }),
      { numRuns: RUNS },
    );
  });

  it('the stream reader finds every frame, in order, through noise and any chunking', () => {
    // Noise without '@' (an '@@' in noise may legitimately swallow what follows until it proves bad).
    const noise = fc.uint8Array({ maxLength: 20 }).map((b) => b.map((x) => (x === 0x40 ? 0x41 : x)));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noise, frame), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (parts, cuts) => {
          const stream = Uint8Array.from(parts.flatMap(([n, f]) => [...n, ...encodeFrame(f)]));
          const reader = new FrameReader();
          const got: number[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const size = cuts[i++ % cuts.length] as number;
            got.push(...reader.push(stream.subarray(at, at + size)).frames.map((x) => x.serial));
            at += size;
          }
          expect(got).toEqual(parts.map(([, f]) => f.serial));
          expect(reader.pending).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
