// `npm run demo`: the whole closed loop in one process tree, with nothing installed but Node.
//   1. an embedded MQTT broker (aedes; MQTT 3.1.1), on 1883 or, if taken, a free port (said on screen),
//   2. the simulated venue (config/examples/simulated-venue.sim.yaml, its control API on 15080),
//   3. the reference county platform with its console (plain subscriptions: aedes has no $share),
//   4. the real gateway process on config/examples/simulated-venue.yaml, its uplink pointed at the broker.
// One line per thing a person cares about; Ctrl-C stops the gateway by its SIGTERM path first (outputs
// safe, outbox flushed while the broker is still there), then the platform, the venue, the broker last.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Aedes } from 'aedes';
import { loadYamlFile } from '../../config/index.js';
import { SimConfigSchema } from '../config.js';
import { runSimulator, type RunningSim } from '../run.js';
import { startScenario, type ScenarioName } from '../scenarios.js';
import { ConsoleServer } from '../platform/console.js';
import { Platform } from '../platform/platform.js';
import { eventText } from '../../gateway/log/pretty.js';
import { SimCentre } from '../centre/centre.js';

/** The repository (or installed package): the folder above this file that holds package.json. */
function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const ROOT = packageRoot();
const GATEWAY = join(ROOT, 'dist', 'gateway', 'cli', 'main.js');
const DEMO_SIM_CONFIG = join(ROOT, 'config', 'examples', 'simulated-venue.sim.yaml');
const DEMO_GATEWAY_CONFIG = join(ROOT, 'config', 'examples', 'simulated-venue.yaml');

export interface DemoOptions {
  /** Broker port to try first (default 1883; 0: any free port). */
  mqttPort?: number;
  /** Console port to try first (default 8090; 0: any free port). */
  httpPort?: number;
  scenario?: string;
  /** Where the gateway and the platform keep their files (default: the gateway's config/examples/.jiuxiao-demo,
   *  the platform's config/examples/.jiuxiao-platform). */
  dataDir?: string;
  /** Also a GB/T 26875.3 fire-monitoring centre (simulated), on this port first (0: any free port). */
  centrePort?: number;
  say: (line: string) => void;
}

export interface RunningDemo {
  mqttUrl: string;
  consoleUrl: string;
  statusUrl: string;
  controlUrl: string;
  platform: Platform;
  centre?: SimCentre;
  gateway: ChildProcess;
  stop(): Promise<void>;
}

/** Listens on `port`, or on a free port when it is taken. */
async function listen(server: Server, port: number): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(err);
      server.once('error', onError);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', onError);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : p);
      });
    });
  try {
    return await attempt(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return attempt(0);
  }
}

/** The human line for a gateway log line, or null for the ones a person need not see. */
function gatewayLine(raw: string, shown: Set<string> = new Set()): string | null {
  let rec: { msg?: string; level?: number | string; event?: Record<string, unknown>; err?: { message?: string } };
  try {
    rec = JSON.parse(raw) as typeof rec;
  } catch {
    return raw.trim() ? `gateway: ${raw.trim()}` : null;
  }
  const e = rec.event;
  if (e?.type === 'channel') return `gateway  ${eventText(e) ?? ''}`;
  if (e?.type === 'output' && e.status === 'confirmed') {
    // An output switched off before anything switched it on is the start-up's safe state: not news.
    const output = String(e.output);
    if ((e.action === 'off' || e.action === 'open') && !shown.has(output)) return null;
    shown.add(output);
    const what =
      e.role === 'gas-valve'
        ? e.action === 'close'
          ? '燃气阀已关闭 gas valve closed'
          : '燃气阀已打开 gas valve opened'
        : `${String(e.output)} ${String(e.action)}`;
    return `gateway  ${what}`;
  }
  if (e?.type === 'output' && e.status === 'failed') return `gateway  ${eventText(e) ?? ''}`;
  if (e) return null;
  const level = typeof rec.level === 'number' ? rec.level : 30;
  if (level >= 40 || /gateway running|uplink connected|gateway stopped|stopping/.test(rec.msg ?? '')) {
    return `gateway  ${rec.msg ?? ''}${rec.err?.message ? `: ${rec.err.message}` : ''}`;
  }
  return null;
}

export async function runDemo(o: DemoOptions): Promise<RunningDemo> {
  const say = o.say;
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    // 1. The broker.
    const aedes = await Aedes.createBroker();
    const mqttServer = createServer(aedes.handle);
    const mqttPort = await listen(mqttServer, o.mqttPort ?? 1883);
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    cleanups.push(async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => mqttServer.close(() => r()));
    });
    say(
      `broker   embedded MQTT broker on ${mqttUrl}${(o.mqttPort ?? 1883) !== 0 && mqttPort !== (o.mqttPort ?? 1883) ? ` (${o.mqttPort ?? 1883} is taken)` : ''}`,
    );

    // 2. The venue's devices.
    const simLoaded = loadYamlFile(DEMO_SIM_CONFIG, SimConfigSchema);
    if (!simLoaded.ok) throw new Error(`${DEMO_SIM_CONFIG}: ${simLoaded.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('; ')}`);
    const sim: RunningSim = await runSimulator(simLoaded.value);
    cleanups.push(() => sim.close());
    const controlUrl = `http://127.0.0.1:${sim.control?.boundPort ?? 15080}`;
    say(`venue    simulated devices: ${sim.servers.map((s) => s.label).join('; ')}; control API ${controlUrl}/devices`);

    // 3. The platform and its console.
    const platformDir = o.dataDir ? join(o.dataDir, 'platform') : join(ROOT, 'config', 'examples', '.jiuxiao-platform');
    const gatewayDataDir = o.dataDir ? join(o.dataDir, 'gateway') : join(ROOT, 'config', 'examples', '.jiuxiao-demo');
    // A demo starts from a clean venue. After a run stopped mid-alarm the gateway would restore that alarm
    // (latched, already known to the platform) and a new scenario would show nothing new.
    const left = [gatewayDataDir, platformDir].filter((d) => existsSync(d));
    for (const d of left) rmSync(d, { recursive: true, force: true });
    if (left.length) say(`demo     starting from a clean venue: the last run's alarms and cases removed (${left.join(', ')})`);
    const platform = new Platform({ url: mqttUrl, dataDir: platformDir, protocolVersion: 4 });
    platform.on('change', (c) => {
      if (c.what === 'gateway' && !/offline/.test(c.text)) return;
      say(`platform ${c.text}`);
    });
    await platform.start();
    cleanups.push(() => platform.stop());
    // The console's scenario buttons drive the simulated venue directly (same process).
    const scenarios = (name: ScenarioName) => startScenario(name, sim.devices, performance.now());
    let web = new ConsoleServer(platform, { host: '127.0.0.1', port: o.httpPort ?? 8090, scenarios });
    try {
      await web.start();
    } catch {
      web = new ConsoleServer(platform, { host: '127.0.0.1', port: 0, scenarios }); // 8090 taken: any free port, said below
      await web.start();
    }
    const started = web;
    cleanups.push(() => started.stop());
    const consoleUrl = web.url ?? '';

    // 3b. A GB/T 26875.3 monitoring centre, if asked: the gateway reports there too, from a copy of the
    // demo config with a centre section (its data stays where the demo keeps it).
    let centre: SimCentre | undefined;
    let gatewayConfig = DEMO_GATEWAY_CONFIG;
    if (o.centrePort !== undefined) {
      let c = new SimCentre({ address: 1, port: o.centrePort });
      let centrePort: number;
      try {
        centrePort = await c.listen();
      } catch {
        c = new SimCentre({ address: 1, port: 0 });
        centrePort = await c.listen();
      }
      centre = c;
      cleanups.push(() => c.close());
      let said = 0;
      const names: Record<number, string> = { 2: 'component status', 3: 'analog value', 21: 'transmitter status', 24: 'operation' };
      const tell = setInterval(() => {
        for (const u of c.units().slice(said)) say(`centre   <- type ${u.unit.type} ${names[u.unit.type] ?? ''} ${JSON.stringify(u.unit.objects[0])}`);
        said = c.units().length;
      }, 200);
      cleanups.push(async () => clearInterval(tell));
      mkdirSync(gatewayDataDir, { recursive: true });
      gatewayConfig = join(gatewayDataDir, 'gateway-with-centre.yaml');
      writeFileSync(
        gatewayConfig,
        `${readFileSync(DEMO_GATEWAY_CONFIG, 'utf8')}\ncentre: { host: 127.0.0.1, port: ${centrePort}, address: 12345, centreAddress: 1 }\n`,
      );
      say(`centre   simulated GB/T 26875.3 monitoring centre on 127.0.0.1:${centrePort}`);
    }

    // 4. The gateway, a real process on its SIGTERM path at the end.
    // Its own process group: a Ctrl-C in the terminal reaches the demo only, which then stops the gateway
    // by one SIGTERM (a second signal would make the gateway exit at once, skipping its flush).
    const gateway = spawn(process.execPath, [GATEWAY, 'run', '--config', gatewayConfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, JX_MQTT_URL: mqttUrl, ...(o.dataDir || centre ? { JX_DATA_DIR: gatewayDataDir } : {}) },
    });
    const orphan = () => gateway.kill('SIGTERM'); // the demo killed harder than Ctrl-C: do not leave the gateway behind
    process.once('exit', orphan);
    cleanups.push(async () => void process.off('exit', orphan));
    cleanups.push(async () => {
      if (gateway.exitCode !== null || gateway.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => gateway.kill('SIGKILL'), 20_000);
        gateway.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        gateway.kill('SIGTERM');
      });
    });
    let buf = '';
    const shown = new Set<string>();
    const onData = (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = gatewayLine(buf.slice(0, nl), shown);
        buf = buf.slice(nl + 1);
        if (line) say(line);
      }
    };
    gateway.stdout.on('data', onData);
    gateway.stderr.on('data', onData);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the gateway did not start within 20 s')), 20_000);
      const watch = (d: Buffer) => {
        if (/gateway running/.test(d.toString())) {
          clearTimeout(t);
          gateway.stdout.off('data', watch);
          resolve();
        }
      };
      gateway.stdout.on('data', watch);
      gateway.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`the gateway exited with ${code} at start`));
      });
    });
    const statusUrl = 'http://127.0.0.1:15088/';
    say(`console  county platform console ${consoleUrl}  ·  box status page ${statusUrl}`);
    if (o.scenario) {
      const r = await fetch(`${controlUrl}/scenario`, { method: 'POST', body: JSON.stringify({ name: o.scenario }) });
      if (!r.ok) throw new Error(`scenario ${o.scenario}: ${(await r.text()).trim()}`);
      say(`venue    scenario ${o.scenario} started`);
    } else {
      say(`try      the console's scenario buttons, or curl -X POST ${controlUrl}/scenario -d '{"name": "gas-leak"}'`);
    }
    return { mqttUrl, consoleUrl, statusUrl, controlUrl, platform, gateway, stop, ...(centre ? { centre } : {}) };
  } catch (err) {
    await stop();
    throw err;
  }
}
