import type { ProfileInput } from '../../../config/index.js';

// Electrical-fire monitor (电气火灾监控探测器): residual current, four cable temperatures, optional
// phase currents and voltage, a status word. No public register map was found for the common models
// (e.g. Acrel ARCM300): this is a generic layout, documented in README.md, to be adapted per device.
export const electricalFire: ProfileInput = {
  description: 'Electrical-fire monitor, generic map (电气火灾监控探测器)',
  source: 'Generic layout: no public vendor register map found (docs/domain.md §7)',
  points: {
    'residual-current': { fc: 3, address: 0, type: 'u16', unit: 'mA', kind: 'residual-current', range: { min: 0, max: 30000 } },
    'temperature-1': { fc: 3, address: 1, type: 'i16', scale: 0.1, unit: '°C', kind: 'temperature', range: { min: -40, max: 200 } },
    'temperature-2': { fc: 3, address: 2, type: 'i16', scale: 0.1, unit: '°C', kind: 'temperature', range: { min: -40, max: 200 } },
    'temperature-3': { fc: 3, address: 3, type: 'i16', scale: 0.1, unit: '°C', kind: 'temperature', range: { min: -40, max: 200 } },
    'temperature-4': { fc: 3, address: 4, type: 'i16', scale: 0.1, unit: '°C', kind: 'temperature', range: { min: -40, max: 200 } },
    'current-a': { fc: 3, address: 5, type: 'u16', scale: 0.1, unit: 'A', kind: 'current' },
    'current-b': { fc: 3, address: 6, type: 'u16', scale: 0.1, unit: 'A', kind: 'current' },
    'current-c': { fc: 3, address: 7, type: 'u16', scale: 0.1, unit: 'A', kind: 'current' },
    voltage: { fc: 3, address: 8, type: 'u16', scale: 0.1, unit: 'V', kind: 'voltage' },
    status: {
      fc: 3,
      address: 9,
      type: 'u16',
      kind: 'status',
      bits: { 'residual-alarm': 0, 'temperature-alarm': 1, 'pre-warning': 2, fault: 3 },
      // Which temperature tripped is not in the word: its own temperature alarm stays on this channel.
      states: [
        { when: 'residual-alarm', state: 'alarm', channel: 'residual-current' },
        { when: 'temperature-alarm', state: 'alarm' },
        { when: 'pre-warning', state: 'warning' },
        { when: 'fault', state: 'fault' },
      ],
    },
  },
};
