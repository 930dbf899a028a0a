// A GatewayService made from YAML text, as `run` makes one from a file: built-in profiles, no
// environment, a clock that counts as synced. The tests start and stop it themselves.
import { loadConfigText } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { createLogger } from '../../gateway/log/logger.js';
import { GatewayService, type ServiceOptions } from '../../gateway/service.js';

export function serviceFromYaml(yaml: string, options: Partial<ServiceOptions> = {}): GatewayService {
  const loaded = loadConfigText(yaml, 'test.yaml', { builtinProfiles: BUILTIN_PROFILES, env: {} });
  if (!loaded.config || !loaded.risk) throw new Error(JSON.stringify(loaded.errors));
  return new GatewayService(loaded.config, loaded.risk, {
    profiles: BUILTIN_PROFILES,
    log: createLogger({ level: 'silent' }),
    clockSynced: true,
    ...options,
  });
}
