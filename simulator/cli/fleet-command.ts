// `jiuxiao-sim fleet`: N simulated gateways against a broker, until --duration or SIGINT/SIGTERM.

import { Fleet } from '../fleet/fleet.js';
import { brokerUrl, simFlags, SimUsageError } from './devices-command.js';

const FLEET_USAGE = `Usage: jiuxiao-sim fleet --url MQTT_URL --gateways N [--duration S] [--alarm-rate R] [--heartbeat S]
                        [--telemetry S] [--connect-rate C] [--townships T] [--malformed M] [--first K]
                        [--protocol 5|4] [--prefix jx/v1/]
                        [--config-refuse F] [--config-rollback F] [--config-silent F]
                        [--update-refuse F] [--update-crash F] [--update-silent F] [--update-drop F]

N simulated gateways speaking the contract (retained status with its will, heartbeats, telemetry,
alarms, commands answered), each with its own id (GW-FLEET-000001…), venue, adminCode and risk colour.

  --gateways N        how many (ids from --first, default 1)
  --duration S        stop after S seconds (default: run until Ctrl-C)
  --alarm-rate R      alarms per second over the whole fleet (default 0); each clears after 30 s
  --heartbeat S       heartbeat interval per gateway (default 60)
  --telemetry S       telemetry summary interval per gateway (default 60)
  --connect-rate C    connections opened per second (default 500)
  --townships T       townships the venues spread over (default 8)
  --malformed M       the first M gateways break the contract on purpose (default 0)
  --config-refuse F   share (0–1) of the gateways that refuse a config from the platform (apply-config)
  --config-rollback F share that take it and roll it back after their probation
  --config-silent F   share that never answer it; the rest keep it (a rollout's injectable failures)
  --update-refuse F   share that refuse a software release (update)
  --update-crash F    share that crash on the new version and come back on the old one by themselves
  --update-silent F   share that never answer it
  --update-drop F     share whose link drops mid-download for good: the update fails, nothing changes
`;

export async function fleetCommand(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(FLEET_USAGE);
    return 0;
  }
  const v = simFlags(argv, {
    url: { type: 'string' },
    gateways: { type: 'string' },
    duration: { type: 'string' },
    'alarm-rate': { type: 'string' },
    heartbeat: { type: 'string' },
    telemetry: { type: 'string' },
    'connect-rate': { type: 'string' },
    townships: { type: 'string' },
    malformed: { type: 'string' },
    first: { type: 'string' },
    protocol: { type: 'string' },
    prefix: { type: 'string' },
    'config-refuse': { type: 'string' },
    'config-rollback': { type: 'string' },
    'config-silent': { type: 'string' },
    'update-refuse': { type: 'string' },
    'update-crash': { type: 'string' },
    'update-silent': { type: 'string' },
    'update-drop': { type: 'string' },
  });
  const url = brokerUrl(v.url);
  const num = (name: string, s: string | undefined, def: number | undefined, min: number, max: number, whole = true): number | undefined => {
    if (s === undefined) return def;
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max)
      throw new SimUsageError(`--${name} expects ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${s}"`);
    return n;
  };
  const gateways = num('gateways', v.gateways, undefined, 1, 1_000_000);
  if (gateways === undefined) throw new SimUsageError('--gateways N is required');
  const malformed = num('malformed', v.malformed, 0, 0, gateways) as number;
  if (v.protocol !== undefined && v.protocol !== '4' && v.protocol !== '5') throw new SimUsageError(`--protocol is 5 or 4, got "${v.protocol}"`);
  const duration = num('duration', v.duration, undefined, 1, 7 * 24 * 3600);
  const configFailures = {
    refuse: num('config-refuse', v['config-refuse'], 0, 0, 1, false) as number,
    rollBack: num('config-rollback', v['config-rollback'], 0, 0, 1, false) as number,
    silent: num('config-silent', v['config-silent'], 0, 0, 1, false) as number,
  };
  if (configFailures.refuse + configFailures.rollBack + configFailures.silent > 1)
    throw new SimUsageError('--config-refuse, --config-rollback and --config-silent add up to more than 1');
  const updateFailures = {
    refuse: num('update-refuse', v['update-refuse'], 0, 0, 1, false) as number,
    crash: num('update-crash', v['update-crash'], 0, 0, 1, false) as number,
    silent: num('update-silent', v['update-silent'], 0, 0, 1, false) as number,
    dropLink: num('update-drop', v['update-drop'], 0, 0, 1, false) as number,
  };
  if (updateFailures.refuse + updateFailures.crash + updateFailures.silent + updateFailures.dropLink > 1)
    throw new SimUsageError('--update-refuse, --update-crash, --update-silent and --update-drop add up to more than 1');
  const fleet = new Fleet({
    url,
    gateways,
    malformed,
    alarmRate: num('alarm-rate', v['alarm-rate'], 0, 0, 10_000, false) as number,
    heartbeatS: num('heartbeat', v.heartbeat, 60, 1, 3600) as number,
    telemetryS: num('telemetry', v.telemetry, 60, 1, 3600) as number,
    connectRate: num('connect-rate', v['connect-rate'], 500, 1, 100_000) as number,
    townships: num('townships', v.townships, 8, 1, 99) as number,
    first: num('first', v.first, 1, 1, 999_999) as number,
    protocolVersion: v.protocol === '4' ? 4 : 5,
    configFailures,
    updateFailures,
    ...(v.prefix !== undefined ? { prefix: v.prefix } : {}),
  });
  const line = () => {
    const s = fleet.stats;
    const pub = Object.entries(s.published)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    return `connected ${s.connected}/${s.gateways} · published ${pub || 'nothing yet'} · commands ${s.commands}${s.errors ? ` · errors ${s.errors} (${s.lastError ?? ''})` : ''}\n`;
  };
  const progress = setInterval(() => io.stdout(line()), 5000);
  let stopped = false;
  const stop = new Promise<void>((resolve) => {
    const done = () => {
      stopped = true;
      resolve();
    };
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    if (duration !== undefined) setTimeout(done, duration * 1000).unref();
  });
  io.stdout(`fleet of ${gateways} gateways → ${url}\n`);
  await Promise.race([fleet.start(), stop]);
  if (!stopped) io.stdout(`all connected: ${line()}ready\n`);
  await stop;
  clearInterval(progress);
  io.stdout(`stopping: ${line()}`);
  await fleet.stop();
  return 0;
}
