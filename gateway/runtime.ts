// The gateway process wired together: config → buses and pollers → detection → linkage → outputs, with
// channel states and closed valves persisted. Every event goes to `onEvent` (logged now; the outbox and
// uplink of the next issue take them from there). Local inputs: the reset button and dry contacts.

import { randomUUID } from 'node:crypto';
import type { Config, Profile } from '../config/index.js';
import type { Bus, BusStats } from '../drivers/bus/bus.js';
import { createBus } from '../drivers/bus/create.js';
import { Poller, type DeviceStatus } from '../drivers/bus/poller.js';
import { watchGpioInput } from '../drivers/outputs/gpio.js';
import type { Level } from '../drivers/outputs/output.js';
import type { DecodedPoint } from '../drivers/plan/codec.js';
import type { Logger } from './log/logger.js';
import type { ChannelSnapshot } from './detect/channel-machine.js';
import { Detector, type ChannelEvent } from './detect/detector.js';
import { Linkage, type OutputCommand } from './linkage/linkage.js';
import { createDriver, OutputManager, type OutputEvent } from './linkage/output-manager.js';
import { StateStore } from './state/state-store.js';

export type GatewayEvent = ChannelEvent | OutputEvent | DeviceEvent;

export interface DeviceEvent {
  type: 'device';
  id: string;
  device: string;
  state: 'online' | 'offline';
  reason: string;
  at: number;
}

export interface ResetResult {
  reset: string[];
  refused: { target: string; reason: string }[];
}

export interface RuntimeOptions {
  profiles: Readonly<Record<string, Profile>>;
  log: Logger;
  onEvent?: (e: GatewayEvent) => void;
  /** Every good reading, for telemetry. */
  onReading?: (device: string, points: Record<string, DecodedPoint>, at: number) => void;
  newId?: () => string;
  /** For tests: memory inputs by id, to press the reset button or close a contact. */
  memoryInputs?: Map<string, (active: boolean) => void>;
}

/** What the running gateway is doing: the control socket's `status`, the heartbeat, the status page. */
export interface RuntimeStatus {
  gateway: string;
  devices: DeviceStatus[];
  channels: ReturnType<Detector['list']>;
  outputs: Record<string, { level: Level | undefined; ok: boolean; detail?: string }>;
  closedValves: string[];
  /** Devices in maintenance/test mode. */
  maintenance: string[];
  buses: ({ id: string; link: 'up' | 'down'; reason: string } & BusStats)[];
}

export class GatewayRuntime {
  private store: StateStore | undefined;
  private readonly buses = new Map<string, Bus>();
  private readonly pollers: Poller[] = [];
  private detector!: Detector;
  private linkage!: Linkage;
  private outputs!: OutputManager;
  private readonly closers: (() => void)[] = [];
  private readonly newId: () => string;
  private chain: Promise<unknown> = Promise.resolve();
  private started = false;
  /** What the state store holds, to skip writes that change nothing. */
  private readonly saved = new Map<string, string>();
  private savedValves: string | undefined;

  constructor(
    readonly config: Config,
    private readonly o: RuntimeOptions,
  ) {
    this.newId = o.newId ?? randomUUID;
  }

  async start(): Promise<void> {
    const c = this.config;
    const opened = StateStore.open(c.gateway.dataDir);
    this.store = opened.store;
    if (opened.movedAside) this.o.log.error({ file: opened.movedAside }, 'state database failed its check at boot: moved aside, starting fresh');
    const restored = this.store.channels();
    const closedValves = this.store.closedValves();
    this.detector = new Detector(c, this.o.profiles, { newId: this.newId, restored });
    // A gas valve whose safe state is closed is closed at start: like one closed by linkage, it opens
    // only by a local reset.
    const closedAtStart = c.outputs.filter((x) => x.role === 'gas-valve' && x.safeState === x.closedLevel).map((x) => x.id);
    this.linkage = new Linkage(c, new Set([...closedValves, ...closedAtStart]));

    for (const b of c.buses) this.buses.set(b.id, createBus(b));
    const drivers = new Map(c.outputs.map((x) => [x.id, { config: x, driver: createDriver(x, c, this.buses, this.o.profiles) }]));
    this.outputs = new OutputManager(drivers, this.newId);

    for (const bus of this.buses.values()) {
      bus.on('link', (up, reason) => this.o.log[up ? 'info' : 'warn']({ bus: bus.options.id, reason }, up ? 'bus link up' : 'bus link down'));
      await bus.start();
    }
    // Safe states first, before any reading can drive anything.
    await this.apply(this.linkage.safeStates('start: safe state'));
    this.persist();

    for (const [busId, bus] of this.buses) {
      const devices = c.devices
        .filter((d) => d.bus === busId)
        .map((d) => {
          const profile = this.o.profiles[d.profile] as Profile;
          const disabled = Object.entries(d.channels).filter(([, ch]) => !ch.enabled).map(([n]) => n);
          return {
            id: d.id,
            unit: d.slaveId,
            profile,
            disabled,
            pollIntervalMs: d.pollIntervalMs,
            ...(d.maxRegistersPerRead !== undefined ? { maxRegistersPerRead: d.maxRegistersPerRead } : {}),
            ...(d.maxGap !== undefined ? { maxGap: d.maxGap } : {}),
          };
        });
      if (!devices.length) continue;
      const poller = new Poller(bus, devices);
      poller.on('reading', (device, points) => this.serial(() => this.onReading(device, points)));
      poller.on('status', (s) => this.serial(() => this.onStatus(s)));
      poller.start();
      this.pollers.push(poller);
    }
    await this.startInputs();
    this.started = true;
  }

  /** Event handling runs one at a time, in arrival order: linkage decisions depend on it. */
  private serial(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err: Error) => this.o.log.error({ err }, 'event handling failed'));
  }

  private async startInputs(): Promise<void> {
    for (const i of this.config.inputs) {
      const onChange = (active: boolean) => {
        if (i.role === 'reset-button') {
          // reset() takes its own turn in the event order.
          if (active) void this.reset({}, 'local').then((r) => this.o.log.info({ input: i.id, ...r }, 'reset button pressed'));
        } else this.serial(() => this.handle(this.detector.contact(i.id, active, Date.now(), performance.now())));
      };
      if (i.driver.type === 'memory') {
        this.o.memoryInputs?.set(i.id, onChange);
        continue;
      }
      try {
        const w = await watchGpioInput(i.driver.line, { ...(i.driver.chip !== undefined ? { chip: i.driver.chip } : {}), activeLow: i.driver.activeLow }, onChange);
        this.closers.push(() => w.close());
        if (i.role === 'dry-contact') onChange(w.read());
      } catch (err) {
        this.o.log.error({ input: i.id, err }, 'input unavailable');
        if (i.role === 'dry-contact') await this.handle(this.detector.unreadable(i.id, `input unavailable: ${(err as Error).message}`, Date.now(), performance.now()));
      }
    }
  }

  private async onReading(device: string, points: Record<string, DecodedPoint>): Promise<void> {
    this.o.onReading?.(device, points, Date.now());
    await this.handle(this.detector.reading(device, points, Date.now(), performance.now()));
  }

  private async onStatus(s: DeviceStatus): Promise<void> {
    const at = Date.now();
    this.emit({ type: 'device', id: this.newId(), device: s.id, state: s.online ? 'online' : 'offline', reason: s.lastReason, at });
    if (!s.online) await this.handle(this.detector.unreadable(s.id, s.lastReason, at, performance.now()));
  }

  private async handle(events: ChannelEvent[]): Promise<void> {
    if (!events.length) return;
    const commands: OutputCommand[] = [];
    for (const e of events) {
      this.emit(e);
      commands.push(...this.linkage.onEvent(e));
    }
    this.persist();
    await this.apply(commands);
  }

  private async apply(commands: OutputCommand[]): Promise<void> {
    if (!commands.length) return;
    for (const e of await this.outputs.execute(commands)) this.emit(e);
  }

  /** Writes only what changed since the last save: every state write wears the SD card. */
  private persist(): void {
    if (!this.store) return;
    const changed: [string, ChannelSnapshot][] = [];
    for (const [key, snap] of this.detector.snapshot()) {
      const mark = `${snap.state}/${snap.latched}`;
      if (this.saved.get(key) === mark) continue;
      this.saved.set(key, mark);
      changed.push([key, snap]);
    }
    const valves = this.linkage.closedValves();
    const valvesMark = [...valves].sort().join(',');
    if (!changed.length && valvesMark === this.savedValves) return;
    this.savedValves = valvesMark;
    this.store.save(changed, valves, Date.now());
  }

  private emit(e: GatewayEvent): void {
    this.o.onEvent?.(e);
  }

  /**
   * Resets latched alarms and reopens gas valves. Local: fire and gas alarms, valves once gas is
   * normal. Remote: fire alarms only; a valve never.
   */
  reset(scope: { device?: string; channel?: string; valve?: string }, source: 'local' | 'remote'): Promise<ResetResult> {
    return this.inTurn(async () => {
      const at = Date.now();
      const result: ResetResult = { reset: [], refused: [] };
      if (scope.valve === undefined) {
        const r = this.detector.reset(scope, source, at, performance.now());
        result.reset.push(...r.events.map((e) => `${e.device}/${e.channel}`));
        result.refused.push(...r.refused.map((x) => ({ target: `${x.device}/${x.channel}`, reason: x.reason })));
        await this.handle(r.events);
      }
      if (scope.device === undefined && scope.channel === undefined) {
        const v = this.linkage.resetValves(source, this.detector, scope.valve);
        result.reset.push(...v.commands.map((x) => x.output));
        result.refused.push(...v.refused.map((x) => ({ target: x.output, reason: x.reason })));
        this.persist();
        await this.apply(v.commands);
      }
      return result;
    });
  }

  silence(): Promise<void> {
    return this.inTurn(() => this.apply(this.linkage.silence()));
  }

  /** Runs `fn` in the event order and hands back its result (or its error). */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.serial(async () => {
        try {
          resolve(await fn());
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  setMaintenance(device: string, on: boolean, linkageTest = false): boolean {
    const ok = this.detector.setMaintenance(device, on);
    if (ok) this.linkage.setLinkageTest(device, on && linkageTest);
    return ok;
  }

  status(): RuntimeStatus {
    return {
      gateway: this.config.gateway.id,
      devices: this.pollers.flatMap((p) => p.statuses()),
      channels: this.detector.list(),
      outputs: Object.fromEntries(this.outputs.states),
      closedValves: this.linkage.closedValves(),
      maintenance: this.config.devices.map((d) => d.id).filter((id) => this.detector.inMaintenance(id)),
      buses: [...this.buses.values()].map((b) => ({ id: b.options.id, link: b.linkUp ? 'up' : 'down', reason: b.linkReason, ...b.snapshot() })),
    };
  }

  /** Stops polling, puts outputs in their safe state (a closed valve stays closed), closes everything. */
  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
    await this.chain;
    if (this.started) await this.apply(this.linkage.safeStates('shutdown: safe state'));
    this.persist();
    for (const c of this.closers) c();
    await this.outputs?.close();
    await Promise.all([...this.buses.values()].map((b) => b.stop()));
    this.store?.close();
    this.store = undefined;
  }
}
