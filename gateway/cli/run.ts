// `jiuxiao-gateway run --config FILE`: the gateway. Polls, detects, acts, keeps state; logs every event
// as a JSON line. Stops cleanly on SIGTERM/SIGINT: outputs to their safe state (a closed gas valve stays
// closed), state saved.

import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { serveControl } from '../control-socket.js';
import { createLogger } from '../log/logger.js';
import { GatewayService } from '../service.js';
import type { RiskAssessment } from '../../config/index.js';
import { humanReport } from './check-config.js';
import { EXIT, parseOrUsage, UsageError, type CliIo } from './io.js';

export const RUN_USAGE = `Usage: jiuxiao-gateway run --config FILE

Runs the gateway: polls the devices, decides normal/warning/alarm/fault, drives the outputs, keeps the
state across restarts, and forwards alarms, events, telemetry and heartbeats over MQTT from a durable
outbox (nothing committed is lost). Environment: JX_MQTT_URL, JX_MQTT_USERNAME, JX_MQTT_PASSWORD and
JX_DATA_DIR win over the file. Refuses to start on a config that check-config rejects. Local control (reset,
status) through a socket in the data directory. Stops on SIGTERM or SIGINT.
`;

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('run', () => parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }));
  if (v.help) {
    io.stdout(RUN_USAGE);
    return EXIT.ok;
  }
  if (v.config === undefined) throw new UsageError('run: --config FILE is required');
  const loaded = loadConfigFile(v.config, { builtinProfiles: BUILTIN_PROFILES, env: io.env });
  if (loaded.status !== 'ok' || !loaded.config) {
    io.stderr(humanReport(loaded));
    return loaded.status === 'invalid' ? EXIT.invalid : EXIT.usage;
  }
  const config = loaded.config;
  const log = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'gateway' });
  for (const w of loaded.warnings) log.warn({ path: w.path, line: w.line }, w.message);
  const service = new GatewayService(config, loaded.risk as RiskAssessment, { profiles: { ...BUILTIN_PROFILES, ...config.profiles }, log });
  const runtime = service.runtime;
  // A signal during start-up is kept and acted on once the start has finished.
  let stopping: Promise<void> | undefined;
  let signalled: () => void = () => undefined;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const stop = () => {
    stopping ??= service.stop();
    signalled();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await service.start();
  } catch (err) {
    log.fatal({ err }, 'gateway failed to start');
    await service.stop().catch(() => undefined);
    return EXIT.invalid;
  }
  const control = await serveControl(runtime, config.gateway.dataDir);
  log.info({ gateway: config.gateway.id, venue: config.venue.id, risk: loaded.risk?.colour, dataDir: config.gateway.dataDir, statusPage: service.statusUrl ?? null }, 'gateway running');
  await signal;
  await stopping;
  control.close();
  log.info('gateway stopped: outputs in their safe state, state saved, status offline published');
  return EXIT.ok;
}
