// The dispatch plan (智能预案) of the county centre: which department leads a case, by the venue's category
// (the competent department of the trade, seed Art. 5), and which cooperate, by what the alarm is about
// (Art. 8(2): 主责单位即接即办，协同部门及时响应). The defaults follow the usual division of duties in a
// Chongqing county; a county replaces them in the platform's config (`--plan FILE`, JSON).

import { z } from 'zod';
import { SIGNAL_KINDS, VENUE_CATEGORIES, type SignalKind, type VenueCategory } from '../../config/index.js';

const DEFAULT_LEADS: Record<VenueCategory, string> = {
  shopping: '县商务委 county commerce commission',
  catering: '县商务委 county commerce commission',
  lodging: '县公安局 county public security bureau',
  entertainment: '县文化旅游委 county culture and tourism commission',
  leisure: '县商务委 county commerce commission',
  medical: '县卫生健康委 county health commission',
  education: '县教委 county education commission',
  production: '县经济信息委 county economy and information commission',
  'hazardous-goods': '县应急管理局 county emergency management bureau',
};

const DEFAULT_COOPERATING: Partial<Record<SignalKind, string[]>> = {
  gas: ['县住房城乡建委 county housing and construction commission (城镇燃气)', '县消防救援大队 county fire and rescue brigade'],
  smoke: ['县消防救援大队 county fire and rescue brigade'],
  'smoke-density': ['县消防救援大队 county fire and rescue brigade'],
  temperature: ['县消防救援大队 county fire and rescue brigade'],
  'residual-current': ['县消防救援大队 county fire and rescue brigade'],
};

export const PlanSchema = z.strictObject({
  leads: z.partialRecord(z.enum(VENUE_CATEGORIES), z.string().min(1)).default({}),
  cooperating: z.partialRecord(z.enum(SIGNAL_KINDS), z.array(z.string().min(1))).default({}),
});

export class DispatchPlan {
  private readonly leads: Record<VenueCategory, string>;
  private readonly cooperating: Partial<Record<SignalKind, string[]>>;

  /** Overrides on top of the defaults. */
  constructor(overrides: z.input<typeof PlanSchema> = {}) {
    const p = PlanSchema.parse(overrides);
    this.leads = { ...DEFAULT_LEADS, ...p.leads };
    this.cooperating = { ...DEFAULT_COOPERATING, ...p.cooperating };
  }

  dispatch(category: VenueCategory, kind: SignalKind): { lead: string; cooperating: string[] } {
    const lead = this.leads[category];
    return { lead, cooperating: (this.cooperating[kind] ?? []).filter((d) => d !== lead) };
  }

  table(): { leads: Record<VenueCategory, string>; cooperating: Partial<Record<SignalKind, string[]>> } {
    return { leads: { ...this.leads }, cooperating: { ...this.cooperating } };
  }
}
