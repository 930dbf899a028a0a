import type { ProfileInput } from '../../../config/index.js';

// Point combustible-gas detector in the common pattern of the IGD TOC-635 manual (docs/domain.md §7), fixed
// as the project's reference map (issue 3; the simulator and other tools rely on it):
// input register 0 = concentration in 0.1 %LEL (0–1000 = 0–100 %LEL), input register 1 = status bits.
export const gasLel: ProfileInput = {
  description: 'Point combustible-gas detector, generic map (可燃气体探测器)',
  source: 'Project reference map after the IGD TOC-635 manual pattern; no vendor map confirmed',
  points: {
    lel: { fc: 4, address: 0, type: 'u16', scale: 0.1, unit: '%LEL', kind: 'gas', range: { min: 0, max: 100 } },
    status: {
      fc: 4,
      address: 1,
      type: 'u16',
      kind: 'status',
      bits: { al1: 0, al2: 1, fault: 3 },
      // The detector's own alarm levels (低报/高报) and fault bit act on the concentration channel.
      states: [
        { when: 'al1', state: 'alarm', channel: 'lel' },
        { when: 'al2', state: 'alarm', channel: 'lel' },
        { when: 'fault', state: 'fault', channel: 'lel' },
      ],
    },
  },
};
