// Named scenarios: a behaviour started at once on the devices it concerns.

import type { BehaviourName } from './device/behaviours.js';
import type { SimDevice } from './device/sim-device.js';

export const SCENARIOS = ['gas-leak', 'kitchen-fire', 'overload', 'sensor-fault', 'flapping-link', 'calm'] as const;
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
  // Every sensor back to its steady, normal readings: the end of a drill (latched alarms and a closed
  // valve still need the local reset on the box, as on site).
  calm: (d) => d.profileName !== 'relay',
};

/** What each scenario does, for buttons and help. */
export const SCENARIO_TEXT: Record<ScenarioName, string> = {
  'gas-leak': '燃气泄漏 gas leak: 0 → 40 %LEL over 20 s',
  'kitchen-fire': '厨房火灾 kitchen fire: smoke and cable temperature rise',
  overload: '线路过载 overload: residual current rises',
  'sensor-fault': '传感器故障 sensor fault: the sensors report faults',
  'flapping-link': '通信不稳 flapping link: the sensors drop in and out',
  calm: '恢复正常 calm: every sensor back to normal readings',
};

const BEHAVIOUR: Record<ScenarioName, BehaviourName> = {
  'gas-leak': 'gas-leak',
  'kitchen-fire': 'kitchen-fire',
  overload: 'overload',
  'sensor-fault': 'sensor-fault',
  'flapping-link': 'flapping-link',
  calm: 'steady',
};

/** Starts the scenario; returns the ids of the devices it touched. */
export function startScenario(name: ScenarioName, devices: readonly SimDevice[], now: number): string[] {
  const touched: string[] = [];
  for (const d of devices) {
    if (!TARGETS[name](d)) continue;
    d.setBehaviour(BEHAVIOUR[name], now);
    touched.push(d.id);
  }
  return touched;
}
