// A venue for the fault campaign: a gas detector on the simulator, a relay module (the simulator's, or
// pymodbus's with independent inputs), a real Mosquitto, and the real `jiuxiao-gateway run` process.
// The coils are read by mbpoll, a Modbus master we did not write; events are read at the broker.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimConfigSchema } from '../../simulator/config.js';
import { runSimulator, type RunningSim } from '../../simulator/run.js';
import type { SimDevice } from '../../simulator/device/sim-device.js';
import { freePort } from '../helpers/net.js';
import { outputBeforeReady, runCommand, startProcess, stopProcess } from '../helpers/proc.js';
import { sleep } from '../helpers/wait.js';
import { HOTPOT } from '../../bench/lib/fixtures.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const GATEWAY = join(ROOT, 'dist/gateway/cli/main.js');
const RELAY_PEER = join(ROOT, 'test/peers/pymodbus_relay.py');

export interface Coils {
  valveOpen: boolean;
  fan: boolean;
  buzzer: boolean;
}

/** The relay's coils 0–2 (valve, fan, buzzer) as mbpoll reads them; undefined when it gets no answer. */
export async function readCoils(port: number, unit = 9): Promise<Coils | undefined> {
  const r = await runCommand(
    'mbpoll',
    ['-m', 'tcp', '-a', String(unit), '-t', '0', '-0', '-r', '0', '-c', '3', '-1', '-o', '0.5', '-p', String(port), '127.0.0.1'],
    5000,
  );
  const bits = [...r.stdout.matchAll(/^\[(\d)\]:\s+([01])\s*$/gm)].map((m) => m[2] === '1');
  if (r.code !== 0 || bits.length !== 3) return undefined;
  return { valveOpen: bits[0] as boolean, fan: bits[1] as boolean, buzzer: bits[2] as boolean };
}

/** Holds `check` true for `ms` (sampled every 250 ms): the demand is held, not just reached. */
export async function holds(ms: number, what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (!(await check())) throw new Error(`${what}: not held for ${ms} ms`);
    await sleep(250);
  }
}

export interface LogLine {
  msg?: string;
  event?: { type: string; device?: string; state?: string; output?: string; status?: string; detail?: string };
  [k: string]: unknown;
}

export class Gateway {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  constructor(readonly proc: ChildProcess) {
    let buf = '';
    const take = (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not JSON
        }
      }
    };
    take(Buffer.from(outputBeforeReady(proc)));
    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
  }

  events(): NonNullable<LogLine['event']>[] {
    return this.lines.flatMap((l) => (l.event ? [l.event] : []));
  }

  /** SIGTERM; resolves with the exit code and the ms it took to exit. */
  async term(): Promise<{ code: number | null; ms: number }> {
    const t0 = performance.now();
    const exited = new Promise<number | null>((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.kill('SIGTERM');
    const code = await exited;
    return { code, ms: Math.round(performance.now() - t0) };
  }

  async kill9(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
  }
}

export interface VenueOptions {
  dir: string;
  brokerUrl: string | undefined;
  /** pymodbus serves the relay module (independent inputs), not the simulator. */
  pymodbusRelay?: boolean;
  /** Extra uplink settings (tls, url override). */
  uplink?: Record<string, unknown>;
  /** Data directory (default dir/data). */
  dataDir?: string;
  /** A GB/T 26875.3 monitoring centre at this loopback port. */
  centrePort?: number;
  /** More of the centre's settings (inspection, timeouts). */
  centre?: Record<string, unknown>;
  /** The status page's token. */
  statusToken?: string;
  /** A smoke detector on the relay's bus (the simulator's, slave 2, polled every 250 ms); the bus with its defaults. */
  neighbour?: boolean;
}

export class Venue {
  sim!: RunningSim;
  relayPort!: number;
  statusPort!: number;
  configFile!: string;
  private relayPeer: ChildProcess | undefined;
  gateway: Gateway | undefined;

  constructor(readonly o: VenueOptions) {}

  async start(): Promise<void> {
    const simPort = await freePort();
    this.statusPort = await freePort();
    const devices: { id: string; profile: string; slaveId: number }[] = [{ id: 'kitchen-gas', profile: 'gas-lel', slaveId: 1 }];
    if (this.o.pymodbusRelay) {
      this.relayPort = await freePort();
      this.relayPeer = await startProcess('/usr/bin/python3', [RELAY_PEER, String(this.relayPort), '9'], /ready/);
    } else {
      this.relayPort = simPort;
      devices.push({ id: 'relays', profile: 'relay', slaveId: 9 });
      if (this.o.neighbour) devices.push({ id: 'hall-smoke', profile: 'smoke', slaveId: 2 });
    }
    this.sim = await runSimulator(SimConfigSchema.parse({ servers: [{ type: 'tcp', port: simPort, devices }] }));
    const config = {
      gateway: { id: 'GW-FAULT-0001', dataDir: this.o.dataDir ?? join(this.o.dir, 'data') },
      venue: { ...HOTPOT, id: 'V-FAULT-0001', name: '故障演练 fault drill' },
      buses: [
        { id: 'sensors', type: 'tcp', host: '127.0.0.1', port: simPort, timeoutMs: 300, retries: 0 },
        // With a neighbour, the bus as installed: the default timeout and retries, which a silent device fills.
        this.o.neighbour
          ? { id: 'relay-bus', type: 'tcp', host: '127.0.0.1', port: this.relayPort }
          : { id: 'relay-bus', type: 'tcp', host: '127.0.0.1', port: this.relayPort, timeoutMs: 300, retries: 0 },
      ],
      devices: [
        { id: 'kitchen-gas', bus: 'sensors', slaveId: 1, profile: 'gas-lel', group: 'kitchen', pollIntervalMs: 250 },
        { id: 'relays', bus: 'relay-bus', slaveId: 9, profile: 'relay', pollIntervalMs: 500 },
        ...(this.o.neighbour ? [{ id: 'hall-smoke', bus: 'relay-bus', slaveId: 2, profile: 'smoke', pollIntervalMs: 250 }] : []),
      ],
      outputs: [
        { id: 'gas-valve', role: 'gas-valve', driver: { type: 'modbus-coil', device: 'relays', coil: 0 }, closedLevel: 'off', safeState: 'off' },
        { id: 'exhaust-fan', role: 'fan', driver: { type: 'modbus-coil', device: 'relays', coil: 1 } },
        { id: 'buzzer', role: 'buzzer', driver: { type: 'modbus-coil', device: 'relays', coil: 2 } },
      ],
      linkage: [
        {
          id: 'kitchen-gas-alarm',
          when: { group: 'kitchen', kind: 'gas', state: 'alarm' },
          do: [
            { output: 'gas-valve', action: 'close' },
            { output: 'exhaust-fan', action: 'on' },
            { output: 'buzzer', action: 'on' },
          ],
        },
      ],
      ...(this.o.brokerUrl || this.o.uplink ? { uplink: { url: this.o.brokerUrl, heartbeatIntervalS: 10, ...this.o.uplink } } : {}),
      ...(this.o.centrePort ? { centre: { host: '127.0.0.1', port: this.o.centrePort, address: 12345, centreAddress: 1, ...this.o.centre } } : {}),
      status: { host: '127.0.0.1', port: this.statusPort, ...(this.o.statusToken ? { token: this.o.statusToken } : {}) },
      log: { level: 'info' },
    };
    mkdirSync(this.o.dir, { recursive: true });
    this.configFile = join(this.o.dir, 'gateway.yaml');
    writeFileSync(this.configFile, JSON.stringify(config, null, 1)); // JSON is YAML
  }

  get gas(): SimDevice {
    return this.sim.devices.find((d) => d.id === 'kitchen-gas') as SimDevice;
  }

  get neighbour(): SimDevice {
    return this.sim.devices.find((d) => d.id === 'hall-smoke') as SimDevice;
  }

  get relay(): SimDevice | undefined {
    return this.sim.devices.find((d) => d.id === 'relays');
  }

  async run(env: Record<string, string> = {}): Promise<Gateway> {
    const proc = await startProcess('node', [GATEWAY, 'run', '--config', this.configFile], /gateway running/, 15_000, env);
    this.gateway = new Gateway(proc);
    return this.gateway;
  }

  coils(): Promise<Coils | undefined> {
    return readCoils(this.relayPort);
  }

  /** The alarm the config demands: valve closed, fan and buzzer on. */
  async demanded(): Promise<boolean> {
    const c = await this.coils();
    return c !== undefined && !c.valveOpen && c.fan && c.buzzer;
  }

  async statusJson(): Promise<{
    outputs: { id: string; level: string | null; desired: string | null; ok: boolean; detail: string | null }[];
    storage: { ok: boolean; lastError: string | null };
    uplink: { error: string | null; connected: boolean };
    openAlarms: { alarmId: string; state: string }[];
  }> {
    return (await (await fetch(`http://127.0.0.1:${this.statusPort}/status.json`)).json()) as never;
  }

  leak(lel = 40): void {
    this.gas.pin('lel', lel, performance.now());
  }

  async close(): Promise<void> {
    await stopProcess(this.gateway?.proc);
    await stopProcess(this.relayPeer);
    await this.sim?.close();
  }
}
