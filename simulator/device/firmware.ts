// What the device's own firmware does with the physics: the registers of each built-in profile,
// including its status bits and its own alarm decisions. Two steps, so that a value pinned through
// the control API (say residual current 321 mA) drives the status bits the way a real reading would.
// A user-defined profile gets the analog values by signal kind and no status logic.

import type { Profile } from '../../config/index.js';
import type { SimDevice } from './sim-device.js';

export interface Physics {
  lel: number;
  residualMa: number;
  temperatures: number[];
  currentsA: number[];
  voltageV: number;
  smokeDbPerM: number;
  fault: boolean;
  fire: boolean;
}

type Values = Record<string, number | boolean>;

export interface Firmware {
  /** Measured values from the physics. */
  analog(p: Physics, device: SimDevice): Values;
  /** Status registers from the final measured values (after pins) and the device's own flags. */
  status(v: Values, p: Physics, device: SimDevice): Values;
}

const bits = (...set: [boolean, number][]) => set.reduce((w, [on, bit]) => (on ? w | (1 << bit) : w), 0);
const num = (v: number | boolean | undefined) => Number(v ?? 0);

/** Detector's own alarm levels (%LEL): AL1 at 25, AL2 at 50, as GB/T 50493 §5.5.2 sets its levels. */
const gasLel: Firmware = {
  analog: (p) => ({ lel: p.lel }),
  status: (v, p) => {
    const lel = num(v.lel);
    const fault = p.fault || lel > 100;
    return { status: bits([lel >= 25 && !fault, 0], [lel >= 50 && !fault, 1], [fault, 3]) };
  },
};

/** The ASJ compares with its own settings: pre-warning current (0x0009) and rated current (0x0008). */
const acrelAsj: Firmware = {
  analog: (p, d) => ({
    'residual-current': p.residualMa,
    'rated-current': Number(d.tables.holding.get(0x0008) ?? 0) || 300,
    'pre-warning-current': Number(d.tables.holding.get(0x0009) ?? 0) || 200,
    'non-driving-time': Number(d.tables.holding.get(0x0010) ?? 0),
    'slave-address': d.slaveId,
    'baud-code': 2,
  }),
  status: (v, p) => {
    const ma = num(v['residual-current']);
    return { 'alarm-status': p.fault ? 4 : ma >= num(v['rated-current']) ? 2 : ma >= num(v['pre-warning-current']) ? 1 : 0 };
  },
};

const electricalFire: Firmware = {
  analog: (p) => ({
    'residual-current': p.residualMa,
    'temperature-1': p.temperatures[0] ?? 0,
    'temperature-2': p.temperatures[1] ?? 0,
    'temperature-3': p.temperatures[2] ?? 0,
    'temperature-4': p.temperatures[3] ?? 0,
    'current-a': p.currentsA[0] ?? 0,
    'current-b': p.currentsA[1] ?? 0,
    'current-c': p.currentsA[2] ?? 0,
    voltage: p.voltageV,
  }),
  status: (v, p) => {
    const ma = num(v['residual-current']);
    const hot = Math.max(...[1, 2, 3, 4].map((i) => num(v[`temperature-${i}`])));
    return { status: bits([ma >= 300, 0], [hot >= 70, 1], [ma >= 200 || hot >= 55, 2], [p.fault, 3]) };
  },
};

const smoke: Firmware = {
  analog: (p) => ({ density: p.smokeDbPerM }),
  status: (v, p) => ({ status: bits([(p.fire || num(v.density) >= 0.15) && !p.fault, 0], [p.fault, 1]) }),
};

const relay: Firmware = { analog: () => ({}), status: () => ({}) };

const FIRMWARE: Record<string, Firmware> = { 'gas-lel': gasLel, 'acrel-asj': acrelAsj, 'electrical-fire': electricalFire, smoke, relay };

/** For a user-defined profile: analog points get the physics of their kind, the rest stays put. */
function generic(profile: Profile): Firmware {
  return {
    analog: (p) => {
      const out: Values = {};
      let temperature = 0;
      for (const [name, point] of Object.entries(profile.points)) {
        if (point.kind === 'gas') out[name] = p.lel;
        else if (point.kind === 'residual-current') out[name] = p.residualMa;
        else if (point.kind === 'temperature') out[name] = p.temperatures[temperature++ % 4] ?? 0;
        else if (point.kind === 'smoke-density') out[name] = p.smokeDbPerM;
        else if (point.kind === 'voltage') out[name] = p.voltageV;
      }
      return out;
    },
    status: () => ({}),
  };
}

export function firmwareFor(profileName: string, profile: Profile): Firmware {
  return FIRMWARE[profileName] ?? generic(profile);
}
