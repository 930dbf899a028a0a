// The value types a register map's point can have, and how many registers each takes. Apart from the
// schema (./profile.ts) so the read planner on the polling thread does not load zod.

export const POINT_TYPES = ['bool', 'bit', 'u16', 'i16', 'u32', 'i32', 'f32'] as const;
export type PointType = (typeof POINT_TYPES)[number];

export function registerCount(type: PointType): number {
  return type === 'u32' || type === 'i32' || type === 'f32' ? 2 : 1;
}
