import type { ProfileInput } from '../../../config/index.js';

// Acrel ASJ series residual-current relay. Register map confirmed from the Acrel ASJ manual, page 18
// (docs/domain.md §7): function 03 read, 10 write, 16-bit words.
export const acrelAsj: ProfileInput = {
  description: 'Acrel ASJ residual-current relay (安科瑞 ASJ 剩余电流继电器)',
  source: 'Acrel ASJ series user manual, p. 18 (Modbus register table)',
  points: {
    'residual-current': { fc: 3, address: 0x0000, type: 'u16', unit: 'mA', kind: 'residual-current', range: { min: 0, max: 30000 } },
    'rated-current': { fc: 3, address: 0x0008, type: 'u16', unit: 'mA', writable: true, description: 'Rated operating current 10–30000 mA' },
    'pre-warning-current': { fc: 3, address: 0x0009, type: 'u16', unit: 'mA', writable: true },
    'non-driving-time': { fc: 3, address: 0x0010, type: 'u16', unit: 'ms', writable: true, description: '0–10000 ms' },
    'slave-address': { fc: 3, address: 0x0018, type: 'u16', writable: true, description: '1–247' },
    'baud-code': {
      fc: 3,
      address: 0x0019,
      type: 'u16',
      writable: true,
      enum: { '0': '38400', '1': '19200', '2': '9600', '3': '4800', '4': '2400', '5': '1200' },
    },
    'alarm-status': {
      fc: 3,
      address: 0x001b,
      type: 'u16',
      kind: 'status',
      enum: { '0': 'normal', '1': 'pre-warning', '2': 'alarm', '4': 'broken-line' },
      // The relay's own verdict on the residual current, against its own settings.
      states: [
        { when: 'pre-warning', state: 'warning', channel: 'residual-current' },
        { when: 'alarm', state: 'alarm', channel: 'residual-current' },
        { when: 'broken-line', state: 'fault', channel: 'residual-current' },
      ],
    },
  },
};
