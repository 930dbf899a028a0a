// Annex 2 size limits: each limit exactly at (small, no warning) and one over (warning naming the limit
// and the excess).
import { describe, expect, it } from 'vitest';
import { sizeExcesses, type SizeKey, type VenueCategory, type VenueSize } from '../../config/venue.js';

interface Boundary {
  category: VenueCategory;
  key: SizeKey;
  limit: number;
  extra?: VenueSize;
  expect: RegExp;
}

const BOUNDARIES: Boundary[] = [
  { category: 'shopping', key: 'areaM2', limit: 300, expect: /building area 301 m² is over the limit of 300 m² by 1 m²/ },
  { category: 'catering', key: 'diners', limit: 100, expect: /rated diners 101 is over the limit of 100 by 1/ },
  { category: 'lodging', key: 'beds', limit: 50, expect: /beds 51 is over the limit of 50 by 1/ },
  { category: 'entertainment', key: 'areaM2', limit: 200, extra: { floor: 2 }, expect: /building area 201 m² is over the limit of 200 m²/ },
  { category: 'leisure', key: 'areaM2', limit: 200, expect: /building area 201 m² is over the limit of 200 m² by 1 m²/ },
  { category: 'medical', key: 'beds', limit: 30, expect: /beds 31 is over the limit of 30 by 1.*community health centre/ },
  { category: 'education', key: 'beds', limit: 50, expect: /boarding beds 51 is over the limit of 50 by 1/ },
  { category: 'production', key: 'staff', limit: 50, expect: /staff 51 is over the limit of 50 by 1/ },
  { category: 'production', key: 'dormStaff', limit: 30, expect: /staff dormitory places 31 is over the limit of 30 by 1/ },
  { category: 'hazardous-goods', key: 'areaM2', limit: 100, expect: /building area 101 m² is over the limit of 100 m² by 1 m²/ },
];

describe('Annex 2 size limits', () => {
  for (const b of BOUNDARIES) {
    it(`${b.category} ${b.key} exactly at ${b.limit} is small`, () => {
      expect(sizeExcesses(b.category, { ...b.extra, [b.key]: b.limit })).toEqual([]);
    });
    it(`${b.category} ${b.key} one over (${b.limit + 1}) is not small`, () => {
      const out = sizeExcesses(b.category, { ...b.extra, [b.key]: b.limit + 1 });
      expect(out).toHaveLength(1);
      expect(out[0]?.key).toBe(b.key);
      expect(out[0]?.message).toMatch(b.expect);
      expect(out[0]?.message).toMatch(/not a small venue under Annex 2/);
    });
  }

  it('entertainment must be on floors 1–3: 1 and 3 are in, 0 (basement side) and 4 are out', () => {
    expect(sizeExcesses('entertainment', { floor: 1 })).toEqual([]);
    expect(sizeExcesses('entertainment', { floor: 3 })).toEqual([]);
    expect(sizeExcesses('entertainment', { floor: 4 })[0]?.message).toMatch(/floor 4 is outside floors 1–3/);
    expect(sizeExcesses('entertainment', { floor: -1 })[0]?.message).toMatch(/floor -1 is outside floors 1–3/);
  });

  it('a fractional area just over the limit counts', () => {
    expect(sizeExcesses('shopping', { areaM2: 300.5 })[0]?.message).toMatch(/by 0.5 m²/);
  });

  it('education day school: 500 people is small for a school (only the kindergarten note), 501 is over either way', () => {
    const at = sizeExcesses('education', { people: 500 });
    expect(at.map((e) => e.message)).toEqual([expect.stringMatching(/if it is one \(a day school is small up to 500\)/)]);
    const over = sizeExcesses('education', { people: 501 });
    expect(over.map((e) => e.message)).toEqual([expect.stringMatching(/day-school people 501 is over the limit of 500 by 1: not a small venue/)]);
  });

  it('education day attendance between 100 and 500 names the kindergarten limit only', () => {
    expect(sizeExcesses('education', { people: 100 })).toEqual([]);
    const out = sizeExcesses('education', { people: 101 });
    expect(out[0]?.message).toMatch(/over the limit of 100 for a day nursery or kindergarten by 1/);
    expect(out[0]?.message).toMatch(/day school is small up to 500/);
  });

  it('production is small when either condition holds (staff ≤ 50 or dormitory ≤ 30)', () => {
    expect(sizeExcesses('production', { staff: 80, dormStaff: 20 })).toEqual([]);
    expect(sizeExcesses('production', { staff: 40, dormStaff: 60 })).toEqual([]);
    expect(sizeExcesses('production', { staff: 80, dormStaff: 31 }).map((e) => e.key)).toEqual(['staff', 'dormStaff']);
  });

  it('an unstated size is not judged', () => {
    for (const c of ['shopping', 'catering', 'lodging', 'entertainment', 'leisure', 'medical', 'education', 'production', 'hazardous-goods'] as const) {
      expect(sizeExcesses(c, {})).toEqual([]);
    }
  });

  it('a size key that does not apply to the category is ignored', () => {
    expect(sizeExcesses('catering', { beds: 500, areaM2: 5000 })).toEqual([]);
  });
});
