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
