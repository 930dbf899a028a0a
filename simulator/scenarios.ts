// Named scenarios: a behaviour started at once on the devices it concerns.

import type { BehaviourName } from './device/behaviours.js';
import type { SimDevice } from './device/sim-device.js';

export const SCENARIOS = ['gas-leak', 'kitchen-fire', 'overload', 'sensor-fault', 'flapping-link'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const has = (d: SimDevice, kinds: string[]) => Object.values(d.profile.points).some((p) => kinds.includes(p.kind));

/** Which devices a scenario drives: gas detectors leak, smoke and cable-temperature sensors see the
 *  fire, residual-current sensors the overload; faults and flapping hit every sensor. Relays stay put. */
const TARGETS: Record<ScenarioName, (d: SimDevice) => boolean> = {
  'gas-leak': (d) => has(d, ['gas']),
  'kitchen-fire': (d) => has(d, ['smoke', 'smoke-density', 'temperature']),
  overload: (d) => has(d, ['residual-current']),
  'sensor-fault': (d) => d.profileName !== 'relay',
  'flapping-link': (d) => d.profileName !== 'relay',
};

/** Starts the scenario; returns the ids of the devices it touched. */
export function startScenario(name: ScenarioName, devices: readonly SimDevice[], now: number): string[] {
  const touched: string[] = [];
  for (const d of devices) {
    if (!TARGETS[name](d)) continue;
    d.setBehaviour(name as BehaviourName, now);
    touched.push(d.id);
  }
  return touched;
}
