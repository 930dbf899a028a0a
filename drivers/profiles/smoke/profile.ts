import type { ProfileInput } from '../../../config/index.js';

// RS-485 smoke detector (感烟探测器). No public register map was found for RS-485 smoke detectors:
// generic layout, documented in README.md. The detector's own alarm bit decides (GB 4715); the
// optional analog density lets the gateway warn early.
export const smoke: ProfileInput = {
  description: 'RS-485 smoke detector, generic map (感烟火灾探测器)',
  source: 'Generic layout: no public vendor register map found (docs/domain.md §7)',
  points: {
    status: {
      fc: 3,
      address: 0,
      type: 'u16',
      kind: 'smoke',
      bits: { alarm: 0, fault: 1, 'low-battery': 2, dirty: 3 },
      states: [
        { when: 'alarm', state: 'alarm' },
        { when: 'fault', state: 'fault' },
        { when: 'low-battery', state: 'warning' },
        { when: 'dirty', state: 'warning' },
      ],
    },
    density: { fc: 3, address: 1, type: 'u16', scale: 0.01, unit: 'dB/m', kind: 'smoke-density', range: { min: 0, max: 20 } },
  },
};
