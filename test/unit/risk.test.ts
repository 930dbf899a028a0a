// Article 6(4) risk colour and 6(5) inspection interval: every rule, each alone and in combination.
import { describe, expect, it } from 'vitest';
import { assessRisk, effectiveCrowded, type VenueFacts } from '../../config/risk.js';
import { VENUE_CATEGORIES } from '../../config/venue.js';

const plain: VenueFacts = {
  category: 'shopping',
  flammables: false,
  crowded: false,
  fireKeyUnit: false,
  mixedUse: false,
  heavyGasUse: false,
};

describe('risk colour (Art. 6(4))', () => {
  it('neither flammables nor crowded: yellow, quarterly', () => {
    const r = assessRisk(plain);
    expect(r.colour).toBe('yellow');
    expect(r.inspectionIntervalDays).toBe(90);
    expect(r.reasons.map((x) => x.rule)).toEqual(['neither']);
  });

  it('flammables alone: orange, every two months', () => {
    const r = assessRisk({ ...plain, flammables: true });
    expect([r.colour, r.inspectionIntervalDays]).toEqual(['orange', 60]);
    expect(r.reasons.map((x) => x.rule)).toEqual(['flammables']);
  });

  it('crowded alone: orange', () => {
    const r = assessRisk({ ...plain, crowded: true });
    expect(r.colour).toBe('orange');
    expect(r.reasons.map((x) => x.rule)).toEqual(['crowded']);
  });

  it('flammables and crowded together: red, monthly', () => {
    const r = assessRisk({ ...plain, flammables: true, crowded: true });
    expect([r.colour, r.inspectionIntervalDays]).toEqual(['red', 30]);
    expect(r.reasons.map((x) => x.rule)).toEqual(['flammables-and-crowded']);
  });

  it.each([
    ['fireKeyUnit', 'fire-key-unit'],
    ['mixedUse', 'mixed-use'],
    ['heavyGasUse', 'heavy-gas-use'],
  ] as const)('%s alone makes a venue red', (fact, rule) => {
    const r = assessRisk({ ...plain, [fact]: true });
    expect(r.colour).toBe('red');
    expect(r.reasons.map((x) => x.rule)).toEqual([rule]);
  });

  it('reports every red rule that holds, not only the first', () => {
    const r = assessRisk({ ...plain, flammables: true, crowded: true, fireKeyUnit: true, mixedUse: true, heavyGasUse: true });
    expect(r.reasons.map((x) => x.rule)).toEqual(['flammables-and-crowded', 'fire-key-unit', 'mixed-use', 'heavy-gas-use']);
  });

  it('a low-risk decision makes an otherwise yellow venue blue, half-yearly, with the reason', () => {
    const r = assessRisk({ ...plain, lowRisk: { reason: 'single-room tailor, no gas, no stock' } });
    expect([r.colour, r.inspectionIntervalDays]).toEqual(['blue', 180]);
    expect(r.reasons[0]?.text).toContain('single-room tailor, no gas, no stock');
  });

  it('a low-risk decision never lowers an orange or red venue', () => {
    expect(assessRisk({ ...plain, flammables: true, lowRisk: { reason: 'township says so' } }).colour).toBe('orange');
    expect(assessRisk({ ...plain, mixedUse: true, lowRisk: { reason: 'township says so' } }).colour).toBe('red');
  });

  it('hazardous-goods venues handle flammables by definition', () => {
    const r = assessRisk({ ...plain, category: 'hazardous-goods', flammables: false, crowded: undefined });
    expect(r.colour).toBe('orange');
    expect(r.flammables).toBe(true);
  });
});

describe('crowded default by category (docs/domain.md §2)', () => {
  const expected: Record<(typeof VENUE_CATEGORIES)[number], boolean> = {
    shopping: false,
    catering: true,
    lodging: true,
    entertainment: true,
    leisure: false,
    medical: true,
    education: true,
    production: false,
    'hazardous-goods': false,
  };
  for (const category of VENUE_CATEGORIES) {
    it(`${category} defaults to ${expected[category] ? 'crowded' : 'not crowded'}`, () => {
      expect(effectiveCrowded({ category })).toEqual({ crowded: expected[category], source: 'category-default' });
    });
  }
  it('production with a staff dormitory is crowded; with an empty one it is not', () => {
    expect(effectiveCrowded({ category: 'production', size: { dormStaff: 12 } }).crowded).toBe(true);
    expect(effectiveCrowded({ category: 'production', size: { dormStaff: 0 } }).crowded).toBe(false);
  });
  it('a stated value always wins over the default', () => {
    expect(effectiveCrowded({ category: 'catering', crowded: false })).toEqual({ crowded: false, source: 'stated' });
    expect(effectiveCrowded({ category: 'leisure', crowded: true })).toEqual({ crowded: true, source: 'stated' });
  });
  it('the reason says when crowded came from the category default', () => {
    const r = assessRisk({ ...plain, category: 'catering', crowded: undefined });
    expect(r.reasons[0]?.text).toMatch(/default for category catering/);
    expect(r.crowdedSource).toBe('category-default');
  });
});
