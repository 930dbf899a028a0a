// Fixtures shared by the tests and the benchmarks (built with the benchmarks, so both can import them).

/** The reference venue: a hotpot restaurant with bottled gas (red: heavy gas use). */
export const HOTPOT = {
  id: 'V1',
  name: 'v',
  adminCode: '500242100000',
  category: 'catering',
  flammables: true,
  fireKeyUnit: false,
  mixedUse: false,
  heavyGasUse: true,
} as const;

/** A small shop (yellow: no flammables, not crowded). */
export const SHOP = {
  id: 'V-SHOP',
  name: '小超市 corner shop',
  adminCode: '500242100000',
  category: 'shopping',
  size: { areaM2: 40 },
  flammables: false,
  fireKeyUnit: false,
  mixedUse: false,
  heavyGasUse: false,
} as const;

/** A config's `venue:` line (YAML takes JSON as a flow mapping): one of the venues above, with changes. */
export function venueLine(venue: typeof HOTPOT | typeof SHOP, changes: Record<string, unknown> = {}): string {
  return `venue: ${JSON.stringify({ ...venue, ...changes })}`;
}
