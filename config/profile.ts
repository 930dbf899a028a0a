// The shape of a device profile: a register map with types, scaling and status bits. Built-in profiles
// (drivers/profiles/) and user-defined ones (the config's `profiles` section) share this one schema, so a
// user profile has the same power as a built-in one.

import { z } from 'zod';
import { DIAGNOSTICS_EN, said, saidIssue } from './diagnostics.js';
import { POINT_TYPES, registerCount } from './point-type.js';
import { SIGNAL_KINDS } from './signals.js';

/** A register or coil address, 0-based as on the wire. YAML 1.2 reads 0x001B as 27 already; a quoted
 *  "0x001B" (common when copying from a manual) is accepted too. */
export const Address = z
  .union(
    [
      z.number().int().min(0).max(65535),
      z
        .string()
        .regex(/^0x[0-9a-fA-F]{1,4}$/)
        .transform((s) => Number.parseInt(s, 16)),
    ],
    { error: DIAGNOSTICS_EN.addressForm },
  )
  .meta({ description: 'Register or coil address as on the wire (0-based), 0–65535; hex 0x001B is fine' });

const FUNCTION_CODES = [1, 2, 3, 4] as const;
const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;

export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,47}$/;
const Name = z.string().regex(NAME_PATTERN, {
  message: DIAGNOSTICS_EN.nameForm,
});

export const PointSchema = z
  .strictObject({
    fc: z
      .union(FUNCTION_CODES.map((n) => z.literal(n)))
      .meta({ description: 'Read function: 1 coils, 2 discrete inputs, 3 holding registers, 4 input registers' }),
    address: Address,
    type: z.enum(POINT_TYPES).meta({
      description: 'bool for coils and discrete inputs (fc 1, 2); bit (one bit of a register, with `bit`), u16, i16, u32, i32, f32 for registers',
    }),
    bit: z.number().int().min(0).max(15).optional().meta({ description: 'Bit number 0–15 within the register, for type bit' }),
    order: z
      .enum(WORD_ORDERS)
      .default('ABCD')
      .meta({ description: 'Byte order of 32-bit values: ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA little-endian' }),
    scale: z.number().default(1).meta({ description: 'Engineering value = raw × scale + offset' }),
    offset: z.number().default(0),
    unit: z.string().max(16).optional(),
    kind: z.enum(SIGNAL_KINDS).default('generic').meta({ description: 'What the point measures; decides default thresholds' }),
    enum: z.record(z.string(), z.string()).optional().meta({ description: 'Labels for raw values, e.g. {"0": normal, "2": alarm}' }),
    bits: z.record(Name, z.number().int().min(0).max(15)).optional().meta({ description: 'Named status bits of this register, e.g. {alarm: 0, fault: 3}' }),
    states: z
      .array(
        z.strictObject({
          when: z.string().meta({ description: 'A bit name (from bits) or an enum label (from enum) of this point' }),
          state: z.enum(['warning', 'alarm', 'fault']),
          channel: Name.optional().meta({ description: 'The point whose state it sets (e.g. lel); default this point' }),
        }),
      )
      .optional()
      .meta({ description: "The device's own verdicts: which status bit or value means warning, alarm or fault, taken at once" }),
    range: z
      .strictObject({ min: z.number(), max: z.number() })
      .optional()
      .meta({ description: "The sensor's valid measuring range (engineering units); a value outside it is a fault" }),
    writable: z.boolean().default(false),
    description: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    const isBitTable = p.fc === 1 || p.fc === 2;
    if (isBitTable && p.type !== 'bool') {
      ctx.addIssue({ code: 'custom', path: ['type'], ...saidIssue(said('fcBitsType', { fc: p.fc, type: p.type })) });
    }
    if (!isBitTable && p.type === 'bool') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        ...saidIssue(said('fcRegistersBit', { fc: p.fc })),
      });
    }
    if (p.type === 'bit' && p.bit === undefined) {
      ctx.addIssue({ code: 'custom', path: ['bit'], message: DIAGNOSTICS_EN.bitNeedsBit });
    }
    if (p.type !== 'bit' && p.bit !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bit'], ...saidIssue(said('bitOnlyWithBit', { type: p.type })) });
    }
    if (registerCount(p.type) === 2 && p.address > 65534) {
      ctx.addIssue({ code: 'custom', path: ['address'], ...saidIssue(said('twoRegisters', { type: p.type })) });
    }
    if (p.range && p.range.min >= p.range.max) {
      ctx.addIssue({ code: 'custom', path: ['range', 'max'], ...saidIssue(said('rangeOrder', { max: p.range.max, min: p.range.min })) });
    }
    if (p.scale === 0) ctx.addIssue({ code: 'custom', path: ['scale'], message: DIAGNOSTICS_EN.scaleZero });
    const names = new Set([...Object.keys(p.bits ?? {}), ...Object.values(p.enum ?? {})]);
    p.states?.forEach((s, i) => {
      if (!names.has(s.when)) {
        ctx.addIssue({
          code: 'custom',
          path: ['states', i, 'when'],
          ...saidIssue(names.size ? said('stateWhenNames', { when: s.when, names: [...names].join(', ') }) : said('stateWhenNone', { when: s.when })),
        });
      }
    });
  });

export const ProfileSchema = z
  .strictObject({
    description: z.string().optional(),
    source: z.string().optional().meta({ description: 'Where the register map comes from (manual, page)' }),
    maxRegistersPerRead: z.number().int().min(1).max(125).default(125).meta({ description: 'Largest read this device accepts; Modbus allows 125 registers' }),
    maxGap: z.number().int().min(0).max(124).default(8).meta({ description: 'Unused registers a single read may span to join two points' }),
    points: z.record(Name, PointSchema).refine((r) => Object.keys(r).length > 0, { message: DIAGNOSTICS_EN.profileNeedsPoint }),
  })
  .superRefine((profile, ctx) => {
    for (const [name, p] of Object.entries(profile.points)) {
      p.states?.forEach((s, i) => {
        if (s.channel !== undefined && !profile.points[s.channel]) {
          ctx.addIssue({ code: 'custom', path: ['points', name, 'states', i, 'channel'], ...saidIssue(said('noPointInProfile', { channel: s.channel })) });
        }
      });
    }
  })
  .meta({ description: 'A register map: points with function code, address, type, scaling and status bits' });

export type Point = z.output<typeof PointSchema>;
export type PointInput = z.input<typeof PointSchema>;
export type Profile = z.output<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
