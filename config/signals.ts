// Signal kinds a channel can carry, with the default thresholds and the ranges a threshold may be set
// in (docs/domain.md §5). Defaults are defaults: every figure is overridable per device and channel, and
// figures marked unconfirmed are kept as documented defaults, never as hard limits beyond the range.

export const SIGNAL_KINDS = ['residual-current', 'temperature', 'gas', 'smoke', 'smoke-density', 'current', 'voltage', 'status', 'input', 'generic'] as const;

export type SignalKind = (typeof SIGNAL_KINDS)[number];

export interface ThresholdRule {
  unit: string;
  /** Default pre-alarm (预警) and alarm (报警) levels; undefined where the device's own bit decides. */
  warning?: number;
  alarm: number;
  /** The range a configured threshold must lie in. */
  min: number;
  max?: number;
  source: string;
}

export const THRESHOLD_RULES: Partial<Record<SignalKind, ThresholdRule>> = {
  'residual-current': {
    unit: 'mA',
    warning: 200,
    alarm: 300,
    min: 20,
    max: 1000,
    source: 'GB 50116-2013 §9.2.3 (alarm 300–500 mA, normal leakage 100–200 mA); 20–1000 mA range is vendor data, unconfirmed',
  },
  temperature: {
    unit: '°C',
    warning: 55,
    alarm: 70,
    min: 45,
    max: 140,
    source: 'unconfirmed: GB 14287.3 range from vendor pages',
  },
  gas: {
    unit: '%LEL',
    warning: 10,
    alarm: 25,
    min: 1,
    max: 50,
    source: 'GB/T 50493-2019 §5.5.2 (level 1 ≤ 25 %LEL, level 2 ≤ 50 %LEL)',
  },
  'smoke-density': {
    unit: 'dB/m',
    alarm: 0.15,
    min: 0.05,
    source: 'GB 4715-2024 (m_min ≥ 0.05 dB/m)',
  },
};

export function describeRange(rule: ThresholdRule): string {
  return rule.max === undefined ? `≥ ${rule.min} ${rule.unit}` : `${rule.min}–${rule.max} ${rule.unit}`;
}

/** Detection defaults per kind (gateway/detect/rules.ts explains the response-time arithmetic). */
export interface KindDefaults {
  hysteresis: number;
  onDelayMs: number;
  latch: boolean;
  /** The response time the standards ask for (ms): check-config warns when a config cannot meet it. */
  responseLimitMs?: number;
  responseSource?: string;
}

/** Gas and fire latch until reset; electrical warnings and alarms clear by themselves with hysteresis. */
export const KIND_DEFAULTS: Partial<Record<SignalKind, KindDefaults>> = {
  gas: { hysteresis: 2, onDelayMs: 2000, latch: true, responseLimitMs: 30_000, responseSource: 'GB 50166: gas detector responds within 30 s' },
  'residual-current': { hysteresis: 20, onDelayMs: 3000, latch: false, responseLimitMs: 30_000, responseSource: 'GB 14287.2-2014: ≤ 30 s' },
  temperature: { hysteresis: 3, onDelayMs: 5000, latch: false, responseLimitMs: 40_000, responseSource: 'GB 50166-2019 §4.8.5: within 40 s' },
  'smoke-density': {
    hysteresis: 0.02,
    onDelayMs: 2000,
    latch: true,
    responseLimitMs: 10_000,
    responseSource: 'GB 26875.1: fire alarm to the centre within 10 s',
  },
  smoke: { hysteresis: 0, onDelayMs: 0, latch: true, responseLimitMs: 10_000, responseSource: 'GB 26875.1: fire alarm to the centre within 10 s' },
};
