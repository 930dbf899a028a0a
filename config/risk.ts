// Risk colour (风险分级赋色) of a venue, derived from facts about it: seed Article 6(4), with the
// inspection interval of Article 6(5) (docs/domain.md §2). The colour is never typed into the config, so it
// cannot disagree with the facts. Pure: no I/O.

import { CATEGORIES, type VenueCategory, type VenueSize } from './venue.js';

export const RISK_COLOURS = ['red', 'orange', 'yellow', 'blue'] as const;
export type RiskColour = (typeof RISK_COLOURS)[number];

export const RISK_LABELS: Record<RiskColour, { zh: string; en: string }> = {
  red: { zh: '高风险', en: 'high risk' },
  orange: { zh: '较高风险', en: 'elevated risk' },
  yellow: { zh: '一般风险', en: 'ordinary risk' },
  blue: { zh: '低风险', en: 'low risk' },
};

/**
 * Suggested inspection interval by Article 6(5): at least once a month, every two months, every
 * quarter, every half year. Days, so a platform can schedule; a month is taken as 30 days.
 */
export const INSPECTION_INTERVAL_DAYS: Record<RiskColour, number> = {
  red: 30,
  orange: 60,
  yellow: 90,
  blue: 180,
};

/** The facts Article 6(4) looks at. `crowded` may be left out: it then defaults by category. */
export interface VenueFacts {
  category: VenueCategory;
  size?: VenueSize;
  flammables: boolean;
  crowded?: boolean | undefined;
  fireKeyUnit: boolean;
  mixedUse: boolean;
  heavyGasUse: boolean;
  lowRisk?: { reason: string } | undefined;
}

/** Stable codes for the rules, for machines; `text` is for people. */
export type RiskRule = 'flammables-and-crowded' | 'fire-key-unit' | 'mixed-use' | 'heavy-gas-use' | 'flammables' | 'crowded' | 'neither' | 'low-risk-decision';

interface RiskReason {
  rule: RiskRule;
  text: string;
}

export interface RiskAssessment {
  colour: RiskColour;
  reasons: RiskReason[];
  inspectionIntervalDays: number;
  /** The `crowded` fact used, and whether the config stated it or it came from the category. */
  crowded: boolean;
  crowdedSource: 'stated' | 'category-default';
  flammables: boolean;
}

export function effectiveCrowded(f: Pick<VenueFacts, 'category' | 'crowded' | 'size'>): {
  crowded: boolean;
  source: 'stated' | 'category-default';
} {
  if (f.crowded !== undefined) return { crowded: f.crowded, source: 'stated' };
  return { crowded: CATEGORIES[f.category].crowdedByDefault(f.size ?? {}), source: 'category-default' };
}

/**
 * Article 6(4), first match wins:
 * red: flammables AND crowded; OR fire-safety key unit; OR mixed multi-business premises; OR heavy gas use.
 * orange: flammables OR crowded. yellow: neither. blue: the township's explicit low-risk decision on a
 * venue that would otherwise be yellow (a `lowRisk` on a red or orange venue is a config error, checked
 * where the config is validated; here it simply does not lower the colour).
 * Every red rule that holds is reported, not only the first, so an inspector sees all of them.
 */
export function assessRisk(f: VenueFacts): RiskAssessment {
  const { crowded, source } = effectiveCrowded(f);
  const flammables = f.flammables || CATEGORIES[f.category].alwaysFlammables;
  const crowdedText = source === 'stated' ? 'is a crowded place' : `is a crowded place (default for category ${f.category})`;
  const base = { crowded, crowdedSource: source, flammables } as const;

  const red: RiskReason[] = [];
  if (flammables && crowded) {
    red.push({
      rule: 'flammables-and-crowded',
      text: `handles flammable or explosive goods and ${crowdedText} (Art. 6(4))`,
    });
  }
  if (f.fireKeyUnit) red.push({ rule: 'fire-key-unit', text: 'is a fire-safety key unit, 消防重点场所 (Art. 6(4))' });
  if (f.mixedUse) red.push({ rule: 'mixed-use', text: 'is a mixed multi-business premises, 多业态混合 (Art. 6(4))' });
  if (f.heavyGasUse) red.push({ rule: 'heavy-gas-use', text: 'uses a lot of gas, e.g. a hotpot restaurant (Art. 6(4))' });
  if (red.length > 0) return { colour: 'red', reasons: red, inspectionIntervalDays: INSPECTION_INTERVAL_DAYS.red, ...base };

  if (flammables || crowded) {
    const reasons: RiskReason[] = flammables
      ? [{ rule: 'flammables', text: 'handles flammable or explosive goods (Art. 6(4))' }]
      : [{ rule: 'crowded', text: `${crowdedText} (Art. 6(4))` }];
    return { colour: 'orange', reasons, inspectionIntervalDays: INSPECTION_INTERVAL_DAYS.orange, ...base };
  }

  if (f.lowRisk) {
    return {
      colour: 'blue',
      reasons: [{ rule: 'low-risk-decision', text: `the township judged the risk especially small: ${f.lowRisk.reason} (Art. 6(4))` }],
      inspectionIntervalDays: INSPECTION_INTERVAL_DAYS.blue,
      ...base,
    };
  }
  return {
    colour: 'yellow',
    reasons: [{ rule: 'neither', text: 'neither handles flammable or explosive goods nor is a crowded place (Art. 6(4))' }],
    inspectionIntervalDays: INSPECTION_INTERVAL_DAYS.yellow,
    ...base,
  };
}
