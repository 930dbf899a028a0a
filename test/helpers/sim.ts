// Simulated devices for tests, built from the real profiles.
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { SimDevice } from '../../simulator/device/sim-device.js';

export function simDevice(profile: string, unit: number, id = `${profile}-${unit}`): SimDevice {
  const p = BUILTIN_PROFILES[profile];
  if (!p) throw new Error(`no profile ${profile}`);
  return new SimDevice(id, profile, p, unit);
}
