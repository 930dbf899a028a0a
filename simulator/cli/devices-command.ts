// `jiuxiao-sim devices`: serves simulated devices until killed.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadYamlFile } from '../../config/index.js';
import { SimConfigSchema, type SimConfig } from '../config.js';
import { runSimulator } from '../run.js';
import { SCENARIOS } from '../scenarios.js';

const DEVICES_USAGE = `Usage: jiuxiao-sim devices (--tcp PORT | --rtu-over-tcp PORT | --rtu PATH [--baud N])
                          --device PROFILE:ID [--device ...]
       jiuxiao-sim devices --config FILE
       [--pace] [--scenario NAME] [--control PORT] [--host ADDR] [--gateway]

Serves simulated devices over Modbus TCP, RTU over TCP, or RTU on a serial path (e.g. one end of a
socat pty pair) until killed.

  --device PROFILE:ID   a device of a built-in profile at slave id ID (repeat for more)
  --pace                delay each reply by its wire time at --baud (default 9600)
  --scenario NAME       start at once: ${SCENARIOS.join(', ')}
  --control PORT        HTTP control API on 127.0.0.1:PORT (see simulator/README.md)
  --host ADDR           address the TCP servers bind (default 127.0.0.1)
  --gateway             with --tcp: answer an id no device has with exception 11, as a Modbus TCP
                        gateway to an RS-485 line does (default: silence, as one device does)
`;

export class SimUsageError extends Error {}

/** The command's flags, or a SimUsageError saying which one is wrong (node's note on positionals dropped). */
export function simFlags<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false }).values;
  } catch (err) {
    throw new SimUsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

/** A whole-number flag up to `max`, `def` when absent. */
export function wholeFlag(name: string, s: string | undefined, def: number, max: number): number {
  if (s === undefined) return def;
  if (!/^\d+$/.test(s) || Number(s) > max) throw new SimUsageError(`--${name} expects a whole number up to ${max}, got "${s}"`);
  return Number(s);
}

/** The broker a simulator command talks to (`--url`): given, and with a scheme mqtt.js speaks. */
export function brokerUrl(url: string | undefined): string {
  if (!url) throw new SimUsageError('--url MQTT_URL is required, e.g. --url mqtt://127.0.0.1:1883');
  if (!/^(mqtts?|wss?|tcp):\/\//.test(url)) throw new SimUsageError(`--url must start with mqtt://, mqtts://, ws:// or wss://, got "${url}"`);
  return url;
}

export function configFromFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): SimConfig {
  const v = simFlags(argv, {
    tcp: { type: 'string' },
    'rtu-over-tcp': { type: 'string' },
    rtu: { type: 'string' },
    baud: { type: 'string' },
    device: { type: 'string', multiple: true },
    config: { type: 'string' },
    pace: { type: 'boolean' },
    scenario: { type: 'string' },
    control: { type: 'string' },
    host: { type: 'string' },
    gateway: { type: 'boolean' },
  });
  const int = (name: string, s: string | undefined) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s)) throw new SimUsageError(`--${name} expects a number, got "${s}"`);
    return Number(s);
  };
  let raw: Record<string, unknown>;
  if (v.config !== undefined) {
    if (v.tcp || v['rtu-over-tcp'] || v.rtu || v.device || v.gateway)
      throw new SimUsageError('--config replaces --tcp/--rtu-over-tcp/--rtu/--device/--gateway: give one or the other');
    const r = loadYamlFile(v.config, SimConfigSchema.partial({ servers: true }), env);
    if (!r.ok) throw new SimUsageError(r.errors.map((e) => `${v.config}:${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
    raw = r.value as Record<string, unknown>;
  } else {
    const modes = [v.tcp && 'tcp', v['rtu-over-tcp'] && 'rtu-over-tcp', v.rtu && 'rtu'].filter(Boolean);
    if (modes.length !== 1) throw new SimUsageError('give exactly one of --tcp PORT, --rtu-over-tcp PORT, --rtu PATH (or --config FILE)');
    if (v.gateway && modes[0] !== 'tcp') throw new SimUsageError('--gateway is for --tcp: on an RTU line an id nobody answers to is silent');
    if (!v.device?.length) throw new SimUsageError('give at least one --device PROFILE:ID, e.g. --device gas-lel:1');
    const devices = v.device.map((d) => {
      const m = /^([a-z][a-z0-9_-]*):(\d+)$/.exec(d);
      if (!m) throw new SimUsageError(`--device expects PROFILE:ID like gas-lel:1, got "${d}"`);
      return { profile: m[1], slaveId: Number(m[2]) };
    });
    const host = v.host ?? '127.0.0.1';
    const baud = int('baud', v.baud) ?? 9600;
    const server =
      modes[0] === 'tcp'
        ? { type: 'tcp', host, port: int('tcp', v.tcp), ...(v.gateway ? { unknownUnit: 'exception' } : {}), devices }
        : modes[0] === 'rtu-over-tcp'
          ? { type: 'rtu-over-tcp', host, port: int('rtu-over-tcp', v['rtu-over-tcp']), baud, devices }
          : { type: 'rtu', path: v.rtu, baud, devices };
    raw = { servers: [server] };
  }
  if (v.pace) raw.pace = true;
  if (v.scenario !== undefined) raw.scenario = v.scenario;
  if (v.control !== undefined) raw.control = { port: int('control', v.control) };
  const r = SimConfigSchema.safeParse(raw);
  if (!r.success) throw new SimUsageError(r.error.issues.map((i) => `${i.path.join('.') || 'flags'}: ${i.message}`).join('\n'));
  return r.data;
}

export async function devicesCommand(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(DEVICES_USAGE);
    return 0;
  }
  const cfg = configFromFlags(argv);
  const sim = await runSimulator(cfg);
  for (const s of sim.servers) io.stdout(`serving ${s.label}\n`);
  for (const d of sim.devices) io.stdout(`  ${d.id}: ${d.profileName} at slave id ${d.slaveId}, ${d.currentBehaviour}\n`);
  if (sim.control) io.stdout(`control API on http://127.0.0.1:${sim.control.boundPort}/devices\n`);
  io.stdout('ready\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await sim.close();
  return 0;
}
