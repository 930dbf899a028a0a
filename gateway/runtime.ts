// The gateway's controller: config → buses and pollers → detection → linkage (decide) → outputs (act),
// then recording (events to the reporter, channel states and closed valves to SQLite). One way, in that
// order (docs/architecture.md invariant 9): what storage or the uplink do can never skip, undo or delay an output.
//
// - Every output's desired level is derived again from the channel states after every change, and
//   the reconciler drives each output until it is observed there (gateway/outputs/reconciler.ts).
// - At start the channel states and closed valves come back from SQLite, so a restart in the middle of
//   an alarm demands the same outputs at once, before any reading.
// - Recording may fail (SQLITE_FULL, a read-only SD card, a corrupt file, no state file at all): the
//   failure is logged, counted, shown in `status()`, and retried in order; the controller runs on.

import { randomUUID } from 'node:crypto';
import type { Config, Profile } from '../config/index.js';
import type { Bus } from '../drivers/bus/bus.js';
import { createBus } from '../drivers/bus/create.js';
import { Poller, type DeviceStatus } from '../drivers/bus/poller.js';
import { watchGpioInput } from '../drivers/outputs/gpio.js';
import type { DecodedPoint } from '../drivers/plan/codec.js';
import type { ControlPort, ResetResult, RuntimeStatus, StorageHealth } from './control/port.js';
import type { Logger } from './log/logger.js';
import type { ChannelSnapshot } from './detect/channel-machine.js';
import { Detector } from './detect/detector.js';
import type { ChannelEvent, GatewayEvent } from './events.js';
import { Linkage } from './linkage/linkage.js';
import { createDriver, outputsOfDevice } from './outputs/drivers.js';
import { Reconciler, type ReconcilerTiming } from './outputs/reconciler.js';
import { StateStore } from './state/state-store.js';
import { OrderedRetry } from './storage/ordered-retry.js';

export type { GatewayEvent } from './events.js';
export type { ResetResult, RuntimeStatus, StorageHealth } from './control/port.js';

/**
 * How long a local reset waits to be told a reopened valve is open: a write, its read-back, and a retry
 * behind a slow bus; shorter than the control socket's answer time.
 */
const VALVE_CONFIRM_MS = 5000;

export interface RuntimeOptions {
  profiles: Readonly<Record<string, Profile>>;
  log: Logger;
  /** Every event as it happens (logging, tests): must not throw. */
  onEvent?: (e: GatewayEvent) => void;
  /** Records an event durably (the reporter → outbox). May throw: the event is kept and retried in order. */
  record?: (e: GatewayEvent) => void;
  /** Every good reading, for telemetry. */
  onReading?: (device: string, points: Record<string, DecodedPoint>, at: number) => void;
  newId?: () => string;
  /** For tests: memory inputs by id, to press the reset button or close a contact. */
  memoryInputs?: Map<string, (active: boolean) => void>;
  /** Shorter output timings for tests. */
  outputTiming?: Partial<ReconcilerTiming>;
  /** How often failed recording and saving are retried (ms). */
  retryStorageMs?: number;
  /**
   * Where channel states and closed valves are saved, when not here: `run` saves them on the recorder's
   * thread, so that a stalled disk never stalls this one. Then state.db is only read here, at start.
   * Never throws.
   */
  stateSink?: (changed: ReadonlyMap<string, ChannelSnapshot>, closedValves: readonly string[]) => void;
}

export class GatewayRuntime implements ControlPort {
  private store: StateStore | undefined;
  private readonly buses = new Map<string, Bus>();
  private readonly pollers: Poller[] = [];
  private readonly detector: Detector;
  private readonly linkage: Linkage;
  private readonly reconciler: Reconciler;
  private readonly closers: (() => void)[] = [];
  private readonly newId: () => string;
  private chain: Promise<unknown> = Promise.resolve();
  private started = false;
  private stopped = false;
  /** What the state store holds, to skip writes that change nothing. */
  private readonly saved = new Map<string, string>();
  private savedValves: string | undefined;
  /** Events to record; while recording fails they wait, in order, and are retried. */
  private readonly recorded: OrderedRetry<GatewayEvent> | undefined;
  private storageFailures = 0;
  private lastStorageError: string | null = null;
  private unsaved = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Output events made while deciding, recorded once the events that caused them are. */
  private deferred: GatewayEvent[] | undefined;

  constructor(
    readonly config: Config,
    private readonly o: RuntimeOptions,
  ) {
    this.newId = o.newId ?? randomUUID;
    this.recorded = o.record ? new OrderedRetry(o.record, { log: o.log, what: 'event not recorded: kept in memory and retried' }) : undefined;
    const c = config;
    // Storage first, but never a reason not to run: a box that cannot write still closes its valve.
    let restored = new Map<string, ChannelSnapshot>();
    let closedValves: string[] = [];
    try {
      const opened = StateStore.open(c.gateway.dataDir);
      this.store = opened.store;
      if (opened.movedAside) o.log.error({ file: opened.movedAside }, 'state database failed its check at boot: moved aside, starting fresh');
      restored = this.store.channels();
      closedValves = this.store.closedValves();
      if (o.stateSink) {
        this.store.close();
        this.store = undefined;
      }
    } catch (err) {
      this.storageFailed(err, 'state database unusable: running without saved state (channel states and closed valves will not survive a restart)');
    }
    this.detector = new Detector(c, o.profiles, { newId: this.newId, restored });
    this.linkage = new Linkage(c, closedValves);
    for (const b of c.buses) this.buses.set(b.id, createBus(b));
    const drivers = new Map(c.outputs.map((x) => [x.id, { config: x, driver: createDriver(x, c, this.buses) }]));
    this.reconciler = new Reconciler(drivers, {
      newId: this.newId,
      // Commands issued while deciding are recorded after the channel events that caused them.
      onEvent: (e) => (this.deferred ? this.deferred.push(e) : this.record(e)),
      onValveUnconfirmed: (id, detail) => {
        if (this.linkage.closeValve(id, `driver fault while opening: ${detail}; closed, the safe way`)) this.decide();
      },
      ...(o.outputTiming ? { timing: o.outputTiming } : {}),
    });
  }

  async start(): Promise<void> {
    const c = this.config;
    for (const bus of this.buses.values()) {
      bus.on('link', (up, reason) => {
        this.o.log[up ? 'info' : 'warn']({ bus: bus.options.id, reason }, up ? 'bus link up' : 'bus link down');
        if (up) this.reconciler.retryNow(this.outputsOnBus(bus.options.id));
      });
    }
    // One attempt each, together: a bus that cannot open now keeps trying in the background.
    await Promise.all([...this.buses.values()].map((b) => b.start()));
    // Desired levels before any reading: safe states, valves closed, and what restored alarms demand.
    this.decide();
    this.persist();
    this.reconciler.start();

    for (const [busId, bus] of this.buses) {
      const devices = c.devices
        .filter((d) => d.bus === busId)
        .map((d) => {
          const profile = this.o.profiles[d.profile] as Profile;
          const disabled = Object.entries(d.channels)
            .filter(([, ch]) => !ch.enabled)
            .map(([n]) => n);
          return {
            id: d.id,
            slaveId: d.slaveId,
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
    this.retryTimer = setInterval(() => this.retryStorage(), this.o.retryStorageMs ?? 2000);
    this.started = true;
  }

  private outputsOnBus(busId: string): string[] {
    return this.config.devices.filter((d) => d.bus === busId).flatMap((d) => outputsOfDevice(this.config, d.id));
  }

  /** Event handling runs one at a time, in arrival order. */
  private serial(fn: () => Promise<void> | void): void {
    this.chain = this.chain
      .then(async () => {
        this.busySince = performance.now();
        try {
          await fn();
        } finally {
          this.busySince = undefined;
        }
      })
      .catch((err: Error) => this.o.log.error({ err }, 'event handling failed'));
  }

  /** Since when the event task now running has run (monotonic ms); undefined when idle. */
  private busySince: number | undefined;

  /**
   * Why the runtime is not alive, or null when it is: an event task running for over `chainMs`, or a bus's
   * poll loop that has not turned for `pollMs`. The systemd watchdog pings only while this is null, so a
   * hung chain or poll loop gets the process restarted (outputs then take what the restored alarms demand).
   */
  liveness(now = performance.now(), limits = { chainMs: 10_000, pollMs: 30_000 }): string | null {
    if (this.busySince !== undefined && now - this.busySince > limits.chainMs) return `event handling stuck for ${Math.round((now - this.busySince) / 1000)} s`;
    for (const [i, p] of this.pollers.entries()) {
      if (now - p.lastTurn > limits.pollMs) return `poll loop ${i + 1} of ${this.pollers.length} stuck for ${Math.round((now - p.lastTurn) / 1000)} s`;
    }
    return null;
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
        const w = await watchGpioInput(
          i.driver.line,
          { ...(i.driver.chip !== undefined ? { chip: i.driver.chip } : {}), activeLow: i.driver.activeLow },
          onChange,
        );
        this.closers.push(() => w.close());
        if (i.role === 'dry-contact') onChange(w.read());
      } catch (err) {
        this.o.log.error({ input: i.id, err }, 'input unavailable');
        if (i.role === 'dry-contact')
          this.handle(this.detector.unreadable(i.id, `input unavailable: ${(err as Error).message}`, Date.now(), performance.now()));
      }
    }
  }

  private onReading(device: string, points: Record<string, DecodedPoint>): void {
    this.o.onReading?.(device, points, Date.now());
    this.handle(this.detector.reading(device, points, Date.now(), performance.now()));
  }

  private onStatus(s: DeviceStatus): void {
    const at = Date.now();
    // A relay module back online: the outputs on it are driven again now, not after their backoff.
    if (s.online) this.reconciler.retryNow(outputsOfDevice(this.config, s.id));
    const events = s.online ? [] : this.detector.unreadable(s.id, s.lastReason, at, performance.now());
    this.handle(events, [{ type: 'device', id: this.newId(), device: s.id, state: s.online ? 'online' : 'offline', reason: s.lastReason, at }]);
  }

  /** detect → decide → act → record: the outputs are commanded before anything is written. */
  private handle(events: ChannelEvent[], others: GatewayEvent[] = []): void {
    this.deferred = [];
    try {
      if (events.length) {
        this.linkage.noteEvents(events);
        this.decide();
      }
    } finally {
      const commanded = this.deferred;
      this.deferred = undefined;
      for (const e of others) this.record(e);
      for (const e of events) this.record(e);
      for (const e of commanded) this.record(e);
    }
    if (events.length) this.persist();
  }

  /** Derives every output's desired level from the channel states now, and hands it to the reconciler. */
  private decide(): void {
    if (this.stopped) return;
    this.reconciler.setDesired(this.linkage.evaluate(this.detector));
  }

  /** Records one event; while recording fails, events queue (in order) and are retried. */
  private record(e: GatewayEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch (err) {
      this.o.log.error({ err }, 'event observer failed');
    }
    this.recorded?.push(e);
  }

  private storageFailed(err: unknown, what: string): void {
    this.storageFailures++;
    const message = (err as Error)?.message ?? String(err);
    // One line per distinct trouble, not one per retry.
    if (message !== this.lastStorageError) this.o.log.error({ err: { message, code: (err as { code?: string }).code } }, what);
    this.lastStorageError = message;
  }

  private retryStorage(): void {
    if (!this.store && !this.o.stateSink) {
      try {
        this.store = StateStore.open(this.config.gateway.dataDir).store;
        this.o.log.info('state database opened: saving state again');
        this.saved.clear();
        this.savedValves = undefined;
        this.unsaved = true;
      } catch (err) {
        this.storageFailed(err, 'state database still unusable');
      }
    }
    if (this.unsaved) this.persist();
    this.recorded?.retry();
    if (!this.unsaved && this.lastStorageError !== null && (this.store || this.o.stateSink)) {
      this.o.log.info({ failures: this.storageFailures }, 'storage works again: everything recorded and saved');
      this.lastStorageError = null;
    }
  }

  /** Writes only what changed since the last save (every state write wears the SD card); a failure is retried. */
  private persist(): void {
    const sink = this.o.stateSink;
    if (!this.store && !sink) {
      this.unsaved = true;
      return;
    }
    const changed: [string, ChannelSnapshot][] = [];
    const marks: [string, string][] = [];
    for (const [key, snap] of this.detector.snapshot()) {
      const mark = `${snap.state}/${snap.latched}`;
      if (this.saved.get(key) === mark) continue;
      marks.push([key, mark]);
      changed.push([key, snap]);
    }
    const valves = this.linkage.closedValves();
    const valvesMark = [...valves].sort().join(',');
    if (!changed.length && valvesMark === this.savedValves) {
      this.unsaved = false;
      return;
    }
    try {
      if (sink) sink(new Map(changed), valves);
      else this.store?.save(changed, valves, Date.now());
    } catch (err) {
      this.unsaved = true;
      this.storageFailed(err, 'state not saved: retried');
      return;
    }
    for (const [k, m] of marks) this.saved.set(k, m);
    this.savedValves = valvesMark;
    this.unsaved = false;
  }

  /**
   * Resets latched alarms and reopens gas valves. Local: fire and gas alarms, valves once gas is
   * normal. Remote: fire alarms only; a valve never.
   */
  reset(scope: { device?: string; channel?: string; valve?: string }, source: 'local' | 'remote'): Promise<ResetResult> {
    return this.inTurn(() => {
      const at = Date.now();
      const result: ResetResult = { reset: [], refused: [] };
      const events: ChannelEvent[] = [];
      if (scope.valve === undefined) {
        const r = this.detector.reset(scope, source, at, performance.now());
        result.reset.push(...r.events.map((e) => `${e.device}/${e.channel}`));
        result.refused.push(...r.refused.map((x) => ({ target: `${x.device}/${x.channel}`, reason: x.reason })));
        events.push(...r.events);
      }
      let opened: string[] = [];
      if (scope.device === undefined && scope.channel === undefined) {
        const v = this.linkage.resetValves(source, this.detector, scope.valve);
        opened = v.opened;
        result.refused.push(...v.refused.map((x) => ({ target: x.output, reason: x.reason })));
      }
      this.handle(events);
      if (!events.length) this.decide(); // a valve reopened by itself changes the demand
      this.persist();
      // Waited for in this turn's demand, so a later change is an outcome too (the valve closed again).
      const outcomes = opened.map((id) => {
        const level = this.reconciler.status()[id]?.desired ?? 'on';
        return this.reconciler.outcome(id, level, VALVE_CONFIRM_MS).then((o) => ({ output: id, ...o }));
      });
      return { result, outcomes };
    }).then(async ({ result, outcomes }) => {
      // The answer says what each valve did, not what was asked of it (issue 21).
      const valves: NonNullable<ResetResult['valves']> = [];
      for (const o of await Promise.all(outcomes)) {
        valves.push({ output: o.output, open: o.ok, level: o.level, detail: o.detail });
        if (o.ok) result.reset.push(o.output);
        else {
          const closedAgain = this.linkage.closedValves().includes(o.output);
          result.refused.push({
            target: o.output,
            reason: closedAgain ? `driven open but not confirmed (${o.detail}): closed again, the safe way` : `not confirmed open: ${o.detail}`,
          });
        }
      }
      return valves.length ? { ...result, valves } : result;
    });
  }

  /** Silences the buzzers for the alarms sounding them now. */
  silence(): Promise<string[]> {
    return this.inTurn(() => {
      const silenced = this.linkage.silence();
      this.decide();
      return silenced;
    });
  }

  /** Runs `fn` in the event order and hands back its result (or its error). */
  private inTurn<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.serial(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  /**
   * Maintenance/test mode of a device. Leaving it re-evaluates at once what its channels demand (a gas
   * alarm raised during the test closes the valve now). `source` remote may not touch a device with a
   * gas channel: gas shut-off is never disabled from afar.
   */
  setMaintenance(device: string, on: boolean, opts: { linkageTest?: boolean; source: 'local' | 'remote' }): { ok: true } | { ok: false; reason: string } {
    const kinds = this.detector.kindsOf(device);
    if (!kinds.length) return { ok: false, reason: `no device "${device.slice(0, 80)}" with channels` };
    if (opts.source === 'remote' && kinds.includes('gas')) {
      return { ok: false, reason: `"${device}" has a gas channel: its maintenance mode is set only on site (jiuxiao-gateway maintenance), never remotely` };
    }
    this.linkage.setLinkageTest(device, on && opts.linkageTest === true);
    if (on) {
      this.detector.setMaintenance(device, true);
      this.serial(() => this.decide());
    } else
      this.serial(() => {
        const standing = this.detector.endMaintenance(device, Date.now(), performance.now());
        if (standing.length) this.handle(standing);
        else this.decide();
      });
    return { ok: true };
  }

  status(): RuntimeStatus {
    return {
      gateway: this.config.gateway.id,
      devices: this.pollers.flatMap((p) => p.statuses()),
      channels: this.detector.list(),
      outputs: this.reconciler.status(),
      closedValves: this.linkage.closedValves(),
      maintenance: this.config.devices.map((d) => d.id).filter((id) => this.detector.inMaintenance(id)),
      buses: [...this.buses.values()].map((b) => ({ id: b.options.id, link: b.linkUp ? 'up' : 'down', reason: b.linkReason, ...b.snapshot() })),
      storage: this.storageHealth(),
    };
  }

  storageHealth(): StorageHealth {
    const unrecorded = this.recorded?.size ?? 0;
    const ok =
      (this.store !== undefined || this.o.stateSink !== undefined) &&
      !this.unsaved &&
      unrecorded === 0 &&
      this.lastStorageError === null &&
      !this.recorded?.lastError;
    return {
      ok,
      failures: this.storageFailures + (this.recorded?.failures ?? 0),
      lastError: this.recorded?.lastError ?? this.lastStorageError,
      unrecorded,
      unsaved: this.unsaved || (!this.store && !this.o.stateSink),
    };
  }

  /** For tests and the bench: drive the reconciler once and wait for it. */
  settleOutputs(): Promise<void> {
    return this.reconciler.step();
  }

  /**
   * Stops polling, leaves outputs as the alarms demand (every valve closed; a fan ventilating a gas alarm
   * stays on: `Linkage.atStop`),
   * saves what it can and closes everything. Bounded: each output write by `outputTimeoutMs`; storage
   * errors are reported, never thrown. Returns what was and was not done.
   */
  async stop(outputTimeoutMs = 3000): Promise<{ outputs: { output: string; detail: string }[] | 'not started'; saved: boolean; storageError: string | null }> {
    if (this.stopped) return { outputs: [], saved: !this.unsaved, storageError: this.lastStorageError };
    this.stopped = true;
    clearInterval(this.retryTimer);
    await Promise.all(this.pollers.map((p) => p.stop()));
    await Promise.race([this.chain, new Promise((r) => setTimeout(r, outputTimeoutMs).unref())]);
    const failedOutputs = this.started ? await this.reconciler.settle(this.linkage.atStop(this.detector), outputTimeoutMs) : 'not started';
    this.persist();
    this.recorded?.retry();
    for (const c of this.closers) c();
    await this.reconciler.close();
    await Promise.all([...this.buses.values()].map((b) => b.stop().catch(() => undefined)));
    try {
      this.store?.close();
    } catch (err) {
      this.storageFailed(err, 'state database did not close cleanly');
    }
    this.store = undefined;
    return { outputs: failedOutputs, saved: !this.unsaved, storageError: this.lastStorageError };
  }
}
