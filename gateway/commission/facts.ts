// The venue facts the risk rules need, and the few ids a config cannot do without: from an answers file
// (scripts, a county rolling out many boxes), then, on a terminal, by asking for what is still missing.
// Each answer is checked with the config's own schema, so what is accepted here passes check-config.

import { z } from 'zod';
import { CATEGORIES, VENUE_CATEGORIES, type VenueCategory } from '../../config/venue.js';
import { GatewaySection, UplinkSection, VenueSection } from '../../config/schema.js';
import type { Translate } from '../i18n/i18n.js';
import type { COMMISSION_MESSAGES } from './messages.js';

export type Facts = Record<string, unknown>;

type T = Translate<typeof COMMISSION_MESSAGES>;

interface Question {
  /** Dotted path in the config: gateway.id, venue.size.areaM2, uplink.url. */
  key: string;
  ask: (t: T, facts: Facts) => string;
  /** Turns typed text into the value, or throws with the reason. */
  parse: (text: string) => unknown;
  /** Whether it is asked at all, given the answers so far. */
  when?: (facts: Facts) => boolean;
  /** An empty answer is allowed and means "leave it out". */
  optional?: boolean;
}

const check = (schema: z.ZodType) => (value: unknown) => {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '));
  return r.data;
};
const text = (schema: z.ZodType) => (s: string) => check(schema)(s.trim());
const yesNo = (s: string): boolean => {
  const v = s.trim().toLowerCase();
  if (['y', 'yes', 'true', '是', '1'].includes(v)) return true;
  if (['n', 'no', 'false', '否', '0'].includes(v)) return false;
  throw new Error('answer y or n (是/否)');
};
const count = (s: string): number => {
  const n = Number(s.trim());
  if (!/^\d+(\.\d+)?$/.test(s.trim()) || !Number.isFinite(n)) throw new Error(`"${s}" is not a number`);
  return n;
};

/** The size figure each category's Annex 2 limit is about, besides the area. */
const SIZE_BY_CATEGORY: Partial<Record<VenueCategory, { key: string; what: { en: string; zh: string } }>> = {
  catering: { key: 'diners', what: { en: 'Rated number of diners', zh: '额定就餐人数' } },
  lodging: { key: 'beds', what: { en: 'Beds', zh: '床位数' } },
  medical: { key: 'beds', what: { en: 'Beds', zh: '床位数' } },
  education: { key: 'people', what: { en: 'Children, pupils and staff on site', zh: '在园（校）人数' } },
  production: { key: 'dormStaff', what: { en: 'Places in a staff dormitory (0 if none)', zh: '员工宿舍床位（无则填 0）' } },
};

const category = (f: Facts) => (f['venue.category'] as VenueCategory | undefined) ?? 'shopping';

function questions(lang: 'zh' | 'en'): Question[] {
  const v = VenueSection.shape;
  return [
    { key: 'gateway.id', ask: (t) => t('askGatewayId'), parse: text(GatewaySection.shape.id) },
    { key: 'venue.id', ask: (t) => t('askVenueId'), parse: text(v.id) },
    { key: 'venue.name', ask: (t) => t('askName'), parse: text(v.name) },
    { key: 'venue.adminCode', ask: (t) => t('askAdminCode'), parse: text(v.adminCode) },
    {
      key: 'venue.category',
      ask: (t) => t('askCategory', { choices: VENUE_CATEGORIES.map((c) => `${c} ${CATEGORIES[c].zh}`).join(', ') }),
      parse: text(v.category),
    },
    { key: 'venue.size.areaM2', ask: (t) => t('askArea'), parse: count },
    {
      key: 'venue.size.other',
      ask: (t, f) => t('askSize', { what: SIZE_BY_CATEGORY[category(f)]?.what[lang] ?? '' }),
      parse: count,
      when: (f) => SIZE_BY_CATEGORY[category(f)] !== undefined,
    },
    // Category 9 handles flammables by definition (Annex 1): not asked.
    { key: 'venue.flammables', ask: (t) => t('askFlammables'), parse: yesNo, when: (f) => category(f) !== 'hazardous-goods' },
    { key: 'venue.fireKeyUnit', ask: (t) => t('askFireKeyUnit'), parse: yesNo },
    { key: 'venue.mixedUse', ask: (t) => t('askMixedUse'), parse: yesNo },
    { key: 'venue.heavyGasUse', ask: (t) => t('askHeavyGasUse'), parse: yesNo },
    { key: 'uplink.url', ask: (t) => t('askUplink'), parse: text(UplinkSection.shape.url), optional: true },
  ];
}

/** The flat facts from an answers file in config shape (gateway, venue, uplink); every value checked. */
export function factsFromFile(doc: unknown, lang: 'zh' | 'en'): Facts {
  const Shape = z.strictObject({
    gateway: z.strictObject({ id: z.unknown() }).partial().optional(),
    venue: z.record(z.string(), z.unknown()).optional(),
    uplink: z.strictObject({ url: z.unknown() }).partial().optional(),
  });
  const r = Shape.safeParse(doc ?? {});
  if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.') || 'top level'}: ${i.message}`).join('; '));
  const facts: Facts = {};
  const qs = new Map(questions(lang).map((q) => [q.key, q]));
  const venueShape = VenueSection.shape as Record<string, z.ZodType>;
  const put = (key: string, value: unknown) => {
    if (value === undefined) return;
    try {
      // A string goes through the question's own parser (it takes "y", "是"); a typed YAML value is checked
      // with the config's schema for that field.
      const q = qs.get(key);
      const field = key.startsWith('venue.') ? venueShape[key.slice('venue.'.length)] : undefined;
      if (key.startsWith('venue.') && !field) throw new Error(`not a venue field; known: ${Object.keys(venueShape).join(', ')}`);
      facts[key] = typeof value === 'string' && q ? q.parse(value) : field ? check(field)(value) : q ? q.parse(String(value)) : value;
    } catch (err) {
      throw new Error(`${key}: ${(err as Error).message}`);
    }
  };
  put('gateway.id', r.data.gateway?.id);
  put('uplink.url', r.data.uplink?.url);
  for (const [k, value] of Object.entries(r.data.venue ?? {})) {
    if (k === 'size' && value && typeof value === 'object') for (const [sk, sv] of Object.entries(value)) facts[`venue.size.${sk}`] = sv;
    else put(`venue.${k}`, value);
  }
  return facts;
}

/** The keys still missing after the answers file. */
export function missing(facts: Facts, lang: 'zh' | 'en'): string[] {
  return questions(lang)
    .filter((q) => !q.optional && (q.when?.(facts) ?? true) && facts[q.key] === undefined && !(q.key === 'venue.size.other' && hasOtherSize(facts)))
    .map((q) => q.key);
}

function hasOtherSize(f: Facts): boolean {
  const k = SIZE_BY_CATEGORY[category(f)]?.key;
  return k !== undefined && f[`venue.size.${k}`] !== undefined;
}

/** Asks, one by one, what is missing; a wrong answer is asked again with the reason. */
export async function askMissing(
  facts: Facts,
  lang: 'zh' | 'en',
  t: T,
  prompt: (text: string) => Promise<string | null>,
  say: (text: string) => void,
): Promise<Facts> {
  const out = { ...facts };
  for (const q of questions(lang)) {
    if (!(q.when?.(out) ?? true) || out[q.key] !== undefined) continue;
    if (q.key === 'venue.size.other' && hasOtherSize(out)) continue;
    for (;;) {
      const answer = await prompt(`${q.ask(t, out)}: `);
      if (answer === null) throw new Error('input ended before every question was answered');
      if (answer.trim() === '' && q.optional) break;
      try {
        out[q.key] = q.parse(answer);
        break;
      } catch (err) {
        say(`${t('badAnswer', { reason: (err as Error).message })}\n`);
      }
    }
  }
  return out;
}

/** The config sections from the facts: gateway, venue (checked whole with the config's schema), uplink. */
export function sections(facts: Facts): { gateway: { id: string }; venue: z.input<typeof VenueSection>; uplink?: { url: string } } {
  const size: Record<string, unknown> = {};
  const venue: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(facts)) {
    if (k === 'venue.size.other') {
      const key = SIZE_BY_CATEGORY[category(facts)]?.key;
      if (key) size[key] = value;
    } else if (k.startsWith('venue.size.')) size[k.slice('venue.size.'.length)] = value;
    else if (k.startsWith('venue.')) venue[k.slice('venue.'.length)] = value;
  }
  if (category(facts) === 'hazardous-goods') venue.flammables = true;
  venue.size = size;
  VenueSection.parse(venue);
  return {
    gateway: { id: String(facts['gateway.id']) },
    venue: venue as z.input<typeof VenueSection>,
    ...(typeof facts['uplink.url'] === 'string' ? { uplink: { url: facts['uplink.url'] } } : {}),
  };
}
