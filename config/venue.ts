// The nine categories of "small venue" (九小场所) and the size limits that make a premises "small",
// from Annex 2 of the Youyang county regulation (docs/domain.md §1). Pure data and functions.
//
// A premises over its limit is still monitored: the limits decide whether the county's "small venue"
// regime applies, not whether the gateway works. So an excess is a warning, never an error.

import { english, said, type Said } from './diagnostics.js';

export const VENUE_CATEGORIES = [
  'shopping',
  'catering',
  'lodging',
  'entertainment',
  'leisure',
  'medical',
  'education',
  'production',
  'hazardous-goods',
] as const;

export type VenueCategory = (typeof VENUE_CATEGORIES)[number];

export const SIZE_KEYS = ['areaM2', 'diners', 'beds', 'people', 'staff', 'dormStaff', 'floor'] as const;
export type SizeKey = (typeof SIZE_KEYS)[number];
export type VenueSize = Partial<Record<SizeKey, number>>;

export interface CategoryInfo {
  /** Annex 2 item number. */
  annexItem: number;
  zh: string;
  en: string;
  /** Default of `venue.crowded` when the config does not state it (docs/domain.md §2). */
  crowdedByDefault: (size: VenueSize) => boolean;
  /** Category 9 handles flammable or explosive goods by definition (Annex 1). */
  alwaysFlammables: boolean;
}

export const CATEGORIES: Record<VenueCategory, CategoryInfo> = {
  shopping: { annexItem: 1, zh: '购物场所', en: 'shopping', crowdedByDefault: () => false, alwaysFlammables: false },
  catering: { annexItem: 2, zh: '餐饮场所', en: 'catering', crowdedByDefault: () => true, alwaysFlammables: false },
  lodging: { annexItem: 3, zh: '住宿场所', en: 'lodging', crowdedByDefault: () => true, alwaysFlammables: false },
  entertainment: {
    annexItem: 4,
    zh: '公共娱乐场所',
    en: 'public entertainment',
    crowdedByDefault: () => true,
    alwaysFlammables: false,
  },
  leisure: { annexItem: 5, zh: '休闲健身场所', en: 'leisure and fitness', crowdedByDefault: () => false, alwaysFlammables: false },
  medical: { annexItem: 6, zh: '医疗场所', en: 'medical and care', crowdedByDefault: () => true, alwaysFlammables: false },
  education: { annexItem: 7, zh: '教学场所', en: 'education', crowdedByDefault: () => true, alwaysFlammables: false },
  production: {
    annexItem: 8,
    zh: '生产加工企业',
    en: 'production and processing',
    // A staff dormitory makes a workshop a crowded place (GB/T 40248: labour-intensive workshops and
    // staff dormitories); a small workshop without one is not presumed crowded.
    crowdedByDefault: (size) => (size.dormStaff ?? 0) > 0,
    alwaysFlammables: false,
  },
  'hazardous-goods': {
    annexItem: 9,
    zh: '易燃易爆危险物品销售储存场所',
    en: 'flammable and explosive goods sale and storage',
    crowdedByDefault: () => false,
    alwaysFlammables: true,
  },
};

/** One way a venue exceeds the Annex 2 limit of its category. */
export interface SizeExcess {
  /** The size key the limit is about (the config path is `venue.size.<key>`). */
  key: SizeKey;
  said: Said;
  /** The English of `said`. */
  message: string;
}

type Measure = 'areaM2' | 'diners' | 'beds' | 'boardingBeds' | 'dayPeople' | 'staff' | 'dormStaff';

function excess(key: SizeKey, s: Said): SizeExcess {
  return { key, said: s, message: english(s) };
}

function over(key: SizeKey, value: number, limit: number, measure: Measure, code: 'sizeOver' | 'sizeOverHealthCentre' = 'sizeOver'): SizeExcess {
  const unit = measure === 'areaM2' ? ' m²' : '';
  return excess(key, said(code, { whatText: said(`measure.${measure}`), value, limit, by: round(value - limit), unit }));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * The Annex 2 limits that the stated size breaks. Only what is stated is judged: an unstated size is
 * not assumed to be over (the installer may not know it), and nothing here refuses a config.
 */
export function sizeExcesses(category: VenueCategory, size: VenueSize): SizeExcess[] {
  const out: SizeExcess[] = [];
  const s = size;
  switch (category) {
    case 'shopping':
      if (s.areaM2 !== undefined && s.areaM2 > 300) out.push(over('areaM2', s.areaM2, 300, 'areaM2'));
      break;
    case 'catering':
      if (s.diners !== undefined && s.diners > 100) out.push(over('diners', s.diners, 100, 'diners'));
      break;
    case 'lodging':
      if (s.beds !== undefined && s.beds > 50) out.push(over('beds', s.beds, 50, 'beds'));
      break;
    case 'entertainment':
      if (s.floor !== undefined && (s.floor < 1 || s.floor > 3)) {
        out.push(excess('floor', said('floorOutside', { floor: s.floor })));
      }
      if (s.areaM2 !== undefined && s.areaM2 > 200) out.push(over('areaM2', s.areaM2, 200, 'areaM2'));
      break;
    case 'leisure':
      if (s.areaM2 !== undefined && s.areaM2 > 200) out.push(over('areaM2', s.areaM2, 200, 'areaM2'));
      break;
    case 'medical':
      // Township, street and community health centres are in whatever their size; other clinics,
      // sanatoriums, nursing and welfare homes only up to 30 beds. The config cannot tell which, so
      // the message names the exception.
      if (s.beds !== undefined && s.beds > 30) {
        out.push(over('beds', s.beds, 30, 'beds', 'sizeOverHealthCentre'));
      }
      break;
    case 'education':
      // Boarding schools and nurseries: beds ≤ 50. Day schools ≤ 500 people; day nurseries and
      // kindergartens ≤ 100 people. Which kind of day school it is the config does not say, so past
      // 100 people the message names both limits, and past 500 it is over either way.
      if (s.beds !== undefined && s.beds > 50) out.push(over('beds', s.beds, 50, 'boardingBeds'));
      if (s.people !== undefined && s.people > 500) {
        out.push(over('people', s.people, 500, 'dayPeople'));
      } else if (s.people !== undefined && s.people > 100) {
        out.push(excess('people', said('nurseryPeople', { people: s.people, by: round(s.people - 100) })));
      }
      break;
    case 'production': {
      // "职工总人数50人以下或者设有30人以下员工集体宿舍": either condition makes the enterprise small,
      // so it is over only when every stated condition fails.
      const staffOk = s.staff !== undefined && s.staff <= 50;
      const dormOk = s.dormStaff !== undefined && s.dormStaff <= 30;
      if (staffOk || dormOk) break;
      if (s.staff !== undefined) out.push(over('staff', s.staff, 50, 'staff'));
      if (s.dormStaff !== undefined) out.push(over('dormStaff', s.dormStaff, 30, 'dormStaff'));
      break;
    }
    case 'hazardous-goods':
      if (s.areaM2 !== undefined && s.areaM2 > 100) out.push(over('areaM2', s.areaM2, 100, 'areaM2'));
      break;
  }
  return out;
}
