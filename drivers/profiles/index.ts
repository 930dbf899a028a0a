// Built-in device profiles. Each folder holds the register map (data), a README naming its source, and
// a sample device config. Parsed once through the same schema as user-defined profiles, so defaults
// and rules are identical.

import { ProfileSchema, type Profile, type ProfileInput } from '../../config/index.js';
import { acrelAsj } from './acrel-asj/profile.js';
import { electricalFire } from './electrical-fire/profile.js';
import { gasLel } from './gas-lel/profile.js';
import { relay } from './relay/profile.js';
import { smoke } from './smoke/profile.js';

const inputs: Record<string, ProfileInput> = {
  'acrel-asj': acrelAsj,
  'gas-lel': gasLel,
  'electrical-fire': electricalFire,
  smoke,
  relay,
};

export const BUILTIN_PROFILES: Readonly<Record<string, Profile>> = Object.freeze(
  Object.fromEntries(Object.entries(inputs).map(([name, p]) => [name, ProfileSchema.parse(p)])),
);
