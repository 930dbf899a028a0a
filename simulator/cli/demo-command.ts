// `jiuxiao-sim demo` (npm run demo): the closed loop in one command, until Ctrl-C.

import { runDemo } from '../demo/demo.js';
import { SCENARIOS } from '../scenarios.js';
import { simFlags, SimUsageError } from './devices-command.js';

const DEMO_USAGE = `Usage: npm run demo [-- --scenario NAME] [--mqtt-port N] [--http PORT] [--centre [--centre-port N]]
       jiuxiao-sim demo [same options]

The whole loop, nothing to install: an embedded MQTT broker, the simulated venue, the gateway on
config/examples/simulated-venue.yaml, and the reference county platform with its console.

  --scenario NAME   start one at once: ${SCENARIOS.join(', ')}
  --mqtt-port N     broker port to try first (default 1883; a free one if taken)
  --http PORT       console port to try first (default 8090; a free one if taken)
  --data DIR        keep the gateway's and the platform's files under DIR (default: next to the
                    example configs, config/examples/.jiuxiao-demo and .jiuxiao-platform)
  --centre          also a simulated GB/T 26875.3 fire-monitoring centre: the gateway reports there
                    too, each frame it gets is shown (docs/gbt26875.md)
  --centre-port N   its port to try first (default 9002; a free one if taken)
`;

export async function demoCommand(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  const v = simFlags(argv, {
    scenario: { type: 'string' },
    'mqtt-port': { type: 'string' },
    http: { type: 'string' },
    data: { type: 'string' },
    centre: { type: 'boolean' },
    'centre-port': { type: 'string' },
  });
  if (v.scenario !== undefined && !(SCENARIOS as readonly string[]).includes(v.scenario))
    throw new SimUsageError(`--scenario is one of ${SCENARIOS.join(', ')}; got "${v.scenario}"`);
  const port = (name: string, s: string | undefined) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new SimUsageError(`--${name} expects a port number, got "${s}"`);
    return Number(s);
  };
  const mqttPort = port('mqtt-port', v['mqtt-port']);
  const httpPort = port('http', v.http);
  const centrePort = v.centre || v['centre-port'] !== undefined ? (port('centre-port', v['centre-port']) ?? 9002) : undefined;
  const t0 = Date.now();
  const say = (line: string) => io.stdout(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${line}\n`);
  const demo = await runDemo({
    say,
    ...(mqttPort !== undefined ? { mqttPort } : {}),
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(v.scenario !== undefined ? { scenario: v.scenario } : {}),
    ...(v.data !== undefined ? { dataDir: v.data } : {}),
    ...(centrePort !== undefined ? { centrePort } : {}),
  });
  say('ready (Ctrl-C stops everything: the gateway first, the broker last)');
  let stopping = false;
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    demo.gateway.once('exit', (code) => {
      if (stopping) return;
      say(`the gateway exited (${code}): stopping the demo`);
      resolve();
    });
  });
  say('stopping');
  await demo.stop();
  say('stopped');
  return 0;
}
