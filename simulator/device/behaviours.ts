// Behaviour models: how a simulated device's values move over time. A model gives the physical
// quantities (gas concentration, residual current, temperatures, smoke density) and the device's own
// flags (fault, fire); firmware.ts turns them into the profile's status registers. Deterministic: a
// value depends only on the time since the behaviour started and a seed, so tests can predict it.

import type { SimDevice } from './sim-device.js';
import { firmwareFor, type Physics } from './firmware.js';

export const BEHAVIOURS = ['steady', 'gas-leak', 'kitchen-fire', 'overload', 'sensor-fault', 'flapping-link'] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

export interface Behaviour {
  /** Point values at `t` seconds after the behaviour started; `pins` (set through the control API)
   *  replace measured values before the firmware derives its status registers from them. */
  values(t: number, seed: number, pins: ReadonlyMap<string, number | boolean>): Record<string, number | boolean>;
  /** Flapping link: true while the device's link is down. */
  linkDown?(t: number): boolean;
}

/** Small repeatable noise in [-1, 1]. */
function noise(seed: number, t: number): number {
  const x = Math.sin(seed * 12.9898 + t * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

const round = (v: number, step: number) => Math.round(v / step) * step;

function steadyPhysics(t: number, seed: number): Physics {
  return {
    lel: Math.max(0, round(0.3 + 0.2 * noise(seed, t), 0.1)),
    residualMa: round(40 + 10 * noise(seed + 1, t), 1),
    temperatures: [0, 1, 2, 3].map((i) => round(28 + noise(seed + 2 + i, t), 0.1)),
    currentsA: [0, 1, 2].map((i) => round(12 + noise(seed + 6 + i, t), 0.1)),
    voltageV: round(220 + 2 * noise(seed + 9, t), 0.1),
    smokeDbPerM: Math.max(0, round(0.01 + 0.005 * noise(seed + 10, t), 0.01)),
    fault: false,
    fire: false,
  };
}

export function physicsAt(name: BehaviourName, t: number, seed: number): Physics {
  const p = steadyPhysics(t, seed);
  switch (name) {
    case 'steady':
    case 'flapping-link':
      return p;
    case 'gas-leak':
      // 0 → 40 %LEL over 20 s, then holds: crosses 10 (warning) at 5 s and 25 (alarm) at 12.5 s.
      return { ...p, lel: round(Math.min(40, 2 * t), 0.1) };
    case 'kitchen-fire': {
      // Smoke thickens 0.02 dB/m per second (detector alarm at 0.15 after ~7 s); cable temperature
      // near the stove rises 2 °C per second to 150 °C.
      const smoke = round(Math.min(2, 0.01 + 0.02 * t), 0.01);
      return {
        ...p,
        smokeDbPerM: smoke,
        fire: smoke >= 0.15,
        temperatures: p.temperatures.map((v, i) => (i === 0 ? round(Math.min(150, 28 + 2 * t), 0.1) : v)),
      };
    }
    case 'overload':
      // Residual current climbs 25 mA per second from 40 to 600 mA (past 500 mA at ~18 s).
      return { ...p, residualMa: round(Math.min(600, 40 + 25 * t), 1), currentsA: p.currentsA.map((v) => round(v + Math.min(40, 2 * t), 0.1)) };
    case 'sensor-fault':
      return { ...p, fault: true, lel: 6553.5, temperatures: p.temperatures.map(() => -40) };
  }
}

export function behaviourFor(name: BehaviourName, device: SimDevice): Behaviour {
  const firmware = firmwareFor(device.profileName, device.profile);
  const b: Behaviour = {
    values: (t, seed, pins) => {
      const physics = physicsAt(name, t, seed);
      const measured = { ...firmware.analog(physics, device), ...Object.fromEntries(pins) };
      return { ...measured, ...firmware.status(measured, physics, device), ...Object.fromEntries(pins) };
    },
  };
  if (name === 'flapping-link') b.linkDown = (t) => t % 6 >= 4; // up 4 s, down 2 s
  return b;
}
