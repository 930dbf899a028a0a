// Recording and reporting: the outbox, the reporter, the uplink, telemetry, heartbeats, the platform's
// commands, re-announcements, clock correction — everything downstream of acting. It runs on a worker
// thread of its own (./worker.ts, ./host.ts), so that SQLite stalling on a frozen or dying SD card never
// stalls polling and the outputs; it writes the channel states and open alarms to state.db itself.
//
// It knows the runtime only through a `RuntimeLink`: the runtime's latest status, and the control port
// for the platform's commands. It never throws at its callers: what it cannot write is kept, in order,
// and retried; how storage fares is in `picture()`.

import { readFileSync, statfsSync } from 'node:fs';
import type { Config, RiskAssessment } from '../../config/index.js';
import type { DecodedPoint } from '../../drivers/plan/codec.js';
import { AnsweredCommands } from '../control/answered.js';
import { handleCommand } from '../control/commands.js';
import type { ControlPort, RuntimeStatus } from '../control/port.js';
import type { GatewayEvent } from '../events.js';
import type { Logger } from '../log/logger.js';
import type { RecentLines } from '../log/recent.js';
import { LogThrottle } from '../log/throttle.js';
import { Outbox } from '../outbox/outbox.js';
import type { ChannelSnapshot } from '../detect/channel-machine.js';
import { StateStore, type RememberedAlarm } from '../state/state-store.js';
import { OrderedRetry } from '../storage/ordered-retry.js';
import { ClockStepWatch, SystemClock } from '../uplink/clock.js';
import { Reporter, type OpenAlarm } from '../uplink/reporter.js';
import { TelemetryAggregator } from '../uplink/telemetry.js';
import { Uplink } from '../uplink/uplink.js';
import { packageVersion } from '../../config/package-version.js';
import type { CentreLink, CentrePicture } from '../centre/gbt26875/centre-link.js';
import type { ReceiverQueue } from '../outbox/receivers.js';
import type { InspectionAnswer } from '../control/port.js';
import { OperationLog } from '../centre/gbt26875/operations.js';
import { centreRecordFromContract, centreRecordOf, operationOf, type CentreRecord } from '../centre/gbt26875/record.js';
import type { ComponentMap } from '../centre/gbt26875/components.js';

export interface RuntimeLink {
  /** The runtime's status now (or as last heard, on a worker). */
  status(): RuntimeStatus;
  port: ControlPort;
}

export interface RecorderOptions {
  boot: string;
  log: Logger;
  clock?: SystemClock;
  /** Shorter timers for tests (ms). */
  timers?: RecorderTimers;
  /** The channels as the GB/T 26875.3 centre knows them (config.centre), made where the profiles are. */
  centreMaps?: readonly ComponentMap[];
  /** This thread's last log lines (`get-logs`). */
  recent?: RecentLines;
}

function quickCheck(run: () => string): string {
  try {
    return run();
  } catch (err) {
    return `not checked: ${(err as Error).message}`;
  }
}

/** Timers of recording and reporting, shorter in tests (ms). */
export interface RecorderTimers {
  heartbeatMs?: number;
  telemetryMs?: number;
  exceptionMs?: number;
  reannounceMs?: number;
  reconnectMaxMs?: number;
}

/** What the status page and `get-status` show of recording and reporting. */
export interface RecordingPicture {
  connected: boolean;
  uplinkError: string | null;
  backlog: Record<'alarm' | 'event' | 'heartbeat' | 'telemetry', number>;
  shed: { rows: number; bytes: number };
  openAlarms: OpenAlarm[];
  clockSynced: boolean;
  /** Why the outbox runs in memory, when it does. */
  outboxError: string | null;
  /** Events not recorded yet, and why (recording failures here, on top of the runtime's own). */
  unrecorded: number;
  /** Recording failures since start. */
  failures: number;
  recordError: string | null;
  /** State saves waiting (worker: state.db is written here). */
  unsaved: boolean;
  /** Connections made since start, and messages published and not yet acknowledged by the broker. */
  uplinkConnects: number;
  inFlight: number;
  /** The GB/T 26875.3 monitoring centre, when one is configured. */
  centre?: CentrePicture;
}

export interface RecorderStopReport {
  storageError: string | null;
  stateSaved: boolean;
  outboxFlushed: boolean;
  backlog: number;
  offlinePublished: boolean;
}

/**
 * The storage health of the whole gateway: the runtime's own (state saves, events it could not hand over)
 * and the recorder's (events not in the outbox, state not written, an outbox in memory, a stuck thread).
 */
export function withRecording(status: RuntimeStatus, p: RecordingPicture, stuck: string | null = null): RuntimeStatus {
  const s = status.storage;
  return {
    ...status,
    storage: {
      ok: s.ok && p.unrecorded === 0 && !p.unsaved && p.outboxError === null && p.recordError === null && stuck === null,
      failures: s.failures + p.failures,
      lastError: stuck ?? s.lastError ?? p.recordError ?? p.outboxError,
      unrecorded: s.unrecorded + p.unrecorded,
      unsaved: s.unsaved || p.unsaved,
    },
  };
}

function cpuTempC(): number | null {
  try {
    return Math.round(Number(readFileSync('/sys/class/thermal/thermal_zone0/temp', 'utf8')) / 100) / 10;
  } catch {
    return null;
  }
}

/** This box's version as the two bytes of types 5 and 25 (major, minor). */
function versionBytes(): { major: number; minor: number } {
  const [major = 0, minor = 0] = packageVersion().split('.').map(Number);
  return { major: major & 0xff, minor: minor & 0xff };
}

function diskFreeMB(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Math.round((s.bavail * s.bsize) / 1048576);
  } catch {
    return null;
  }
}

export class Recorder {
  readonly outbox: Outbox;
  readonly reporter: Reporter;
  readonly uplink: Uplink | undefined;
  private centre: CentreLink | undefined;
  private readonly centreQueue: ReceiverQueue<CentreRecord> | undefined;
  private readonly centreOperations: OperationLog | undefined;
  /** The last reading of each point, by "device/point" (the centre may ask for a value). */
  private readonly lastValues = new Map<string, number>();
  private stopped = false;
  private readonly answered: AnsweredCommands;
  private readonly noisyCommands: LogThrottle;
  private backlogMemo: { at: number; backlog: RecordingPicture['backlog'] } | undefined;
  private readonly telemetry = new TelemetryAggregator();
  private readonly clock: SystemClock;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAt = performance.now();
  private lastShed = 0;
  private wasSynced: boolean;
  private lastSummaryAt = Date.now();
  private readonly outboxError: string | undefined;
  private readonly clockSteps = new ClockStepWatch(Date.now(), performance.now());
  private readonly events: OrderedRetry<GatewayEvent>;
  /** state.db written here, the latest picture of what to save, retried while it fails. */
  private state: StateStore | undefined;
  private pendingState:
    { changed: Map<string, ChannelSnapshot>; valves: readonly string[] | undefined; alarms: ReadonlyMap<string, RememberedAlarm> | undefined } | undefined;

  constructor(
    readonly config: Config,
    risk: RiskAssessment,
    private readonly link: RuntimeLink,
    private readonly o: RecorderOptions,
  ) {
    const storage = config.storage;
    const caps = { maxRows: storage.maxRows, maxBytes: storage.maxMB * 1048576, reserveRows: storage.alarmReserveRows };
    // Without an uplink the platform is no receiver: nothing is kept for it.
    const receivers = { platform: config.uplink !== undefined };
    let outbox: Outbox;
    try {
      outbox = new Outbox(config.gateway.dataDir, caps, receivers);
      if (outbox.movedAside) o.log.error({ file: outbox.movedAside }, 'outbox failed its check at boot: moved aside, starting fresh');
    } catch (err) {
      // A full or read-only data directory at boot: run, report from memory, and say so loudly.
      this.outboxError = (err as Error).message;
      o.log.error(
        { err: { message: this.outboxError, code: (err as { code?: string }).code }, dataDir: config.gateway.dataDir },
        'outbox unusable: events are kept in memory only and lost at a restart',
      );
      outbox = new Outbox(null, caps, receivers);
    }
    this.outbox = outbox;
    this.answered = new AnsweredCommands(outbox.database);
    this.noisyCommands = new LogThrottle(o.log);
    this.clock = o.clock ?? new SystemClock();
    this.wasSynced = this.clock.synced();
    this.uplink = config.uplink
      ? new Uplink(config.uplink, {
          gatewayId: config.gateway.id,
          outbox,
          log: o.log.child({ name: 'uplink' }),
          onCommand: (p) => this.command(p),
          ...(o.timers?.reconnectMaxMs ? { reconnectMaxMs: o.timers.reconnectMaxMs } : {}),
        })
      : undefined;
    // The channel states, closed valves and open alarms are written here (state.db), off the runtime's thread.
    this.openState();
    // The centre's queue from the first event on; its link (and the GB 18030 codec) loads at start.
    if (config.centre && o.centreMaps) {
      const maps = new Map(o.centreMaps.map((m) => [`${m.device}/${m.channel}`, m]));
      const operations = new OperationLog(outbox.database);
      this.centreOperations = operations;
      this.centreQueue = outbox.addReceiver<CentreRecord>({
        name: 'centre',
        keep: (r) => centreRecordOf(r, maps),
        upgrade: centreRecordFromContract,
        kept: (record) => {
          const op = operationOf(record);
          if (op) operations.add(op);
        },
      });
    }
    try {
      const retired = outbox.retireOtherReceivers();
      if (retired) o.log.warn({ rows: retired }, 'records kept for a receiver no longer in the config (the platform, a monitoring centre) deleted');
    } catch (err) {
      o.log.error({ err: { message: (err as Error).message } }, 'records of receivers no longer configured not deleted');
    }
    this.reporter = new Reporter(config, risk, {
      outbox,
      boot: o.boot,
      clock: this.clock,
      newId: () => crypto.randomUUID(),
      onCommit: (topic) => {
        if (topic === 'telemetry' || topic === 'heartbeat') return this.uplink?.kick();
        this.uplink?.urgent();
        this.centre?.kick();
      },
      remember: (open) => this.saveState(new Map(), undefined, open),
    });
    this.events = new OrderedRetry((e) => this.reporter.record(e), { log: o.log, what: 'event not recorded: kept in memory and retried' });
  }

  private openState(): void {
    try {
      this.state = StateStore.open(this.config.gateway.dataDir).store;
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'state database unusable: retried');
    }
  }

  /** Records an event (to the outbox, for the platform); never throws: kept and retried in order. */
  record(e: GatewayEvent): void {
    this.events.push(e);
  }

  /** A good reading, for telemetry. */
  reading(device: string, points: Readonly<Record<string, DecodedPoint>>): void {
    this.telemetry.add(device, points);
    if (this.centreQueue) for (const [name, p] of Object.entries(points)) if (typeof p.value === 'number') this.lastValues.set(`${device}/${name}`, p.value);
  }

  /** Worker only: channel states, closed valves and open alarms to save; the latest wins, retried until saved. */
  saveState(
    changed: ReadonlyMap<string, ChannelSnapshot>,
    valves: readonly string[] | undefined,
    alarms: ReadonlyMap<string, RememberedAlarm> | undefined,
  ): void {
    const p = this.pendingState ?? { changed: new Map<string, ChannelSnapshot>(), valves: undefined, alarms: undefined };
    for (const [k, v] of changed) p.changed.set(k, v);
    if (valves) p.valves = valves;
    if (alarms) p.alarms = alarms;
    this.pendingState = p;
    this.flushState();
  }

  private flushState(): void {
    const p = this.pendingState;
    if (!p) return;
    if (!this.state) this.openState();
    if (!this.state) return;
    try {
      if (p.changed.size || p.valves) this.state.save(p.changed, p.valves ?? this.state.closedValves(), Date.now());
      if (p.alarms) this.state.saveAlarms(p.alarms);
      this.pendingState = undefined;
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'state not saved: retried');
    }
  }

  private command(payload: Buffer): Promise<void> {
    const port = this.link.port;
    return handleCommand(payload, {
      // get-status answers with the whole gateway's storage health, like the local status does.
      port: {
        status: () => withRecording(this.link.status(), this.picture(this.recentBacklog())),
        reset: (...a) => port.reset(...a),
        silence: () => port.silence(),
        setMaintenance: (...a) => port.setMaintenance(...a),
        ...(port.applyConfig ? { applyConfig: port.applyConfig } : {}),
        ...(port.update ? { update: port.update } : {}),
        ...(port.diagnostics ? { diagnostics: port.diagnostics } : {}),
      },
      ...(this.o.recent ? { recent: this.o.recent } : {}),
      diagnose: () => ({
        storage: {
          outbox: quickCheck(() => String(this.outbox.database.pragma('quick_check', { simple: true }))),
          state: this.state ? quickCheck(() => (this.state as StateStore).quickCheck()) : 'not open',
          troubles: this.troubles(),
        },
        recording: this.picture(this.recentBacklog()),
      }),
      answered: this.answered,
      reporter: this.reporter,
      outbox: this.outbox,
      clock: this.clock,
      boot: this.o.boot,
      log: this.o.log,
      noisy: this.noisyCommands,
      extraStatus: () => ({
        openAlarms: this.reporter.openAlarms(),
        backlog: this.recentBacklog(),
        shed: { rows: this.outbox.shedRows, bytes: this.outbox.shedBytes },
      }),
    });
  }

  /** Restores the alarms standing from before a restart (before any new event); true when there were some. */
  restore(): boolean {
    const remembered = this.rememberedFromState();
    const restored = this.reporter.restore(remembered, this.link.status().channels);
    if (restored) this.o.log.warn({ openAlarms: this.reporter.openAlarms() }, 'alarms standing from before the restart: re-announced until acknowledged');
    return restored > 0;
  }

  /** Connects, and starts the periodic reports; `restored` alarms are re-announced at once. */
  start(restored: boolean): void {
    // The uplink connects in the background (never awaited: a gateway runs with the network down) and
    // never throws: TLS files and DNS are its own trouble, shown in the status and retried.
    try {
      this.uplink?.start();
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'uplink failed to start');
    }
    const u = this.config.uplink;
    const t = this.o.timers ?? {};
    const every = (ms: number, fn: () => void) =>
      this.timers.push(
        setInterval(() => {
          try {
            fn();
          } catch (err) {
            this.o.log.error({ err }, 'periodic task failed');
          }
        }, ms),
      );
    every(2000, () => {
      this.events.retry();
      this.flushState();
    });
    every(5000, () => this.watch());
    every(600_000, () => this.outbox.vacuumSome());
    if (this.centreQueue) void this.startCentre(this.centreQueue);
    // Without an uplink there is nobody to send health and telemetry to: the events alone are kept.
    if (!this.uplink) return;
    every(t.heartbeatMs ?? (u?.heartbeatIntervalS ?? 60) * 1000, () => this.heartbeat());
    every(t.telemetryMs ?? (u?.telemetryIntervalS ?? 60) * 1000, () => {
      const now = Date.now();
      this.reporter.telemetry('summary', this.lastSummaryAt, now, this.telemetry.takeSummary());
      this.lastSummaryAt = now;
    });
    every(t.exceptionMs ?? this.config.storage.telemetryBatchMs, () =>
      this.reporter.telemetry('exception', Date.now(), Date.now(), this.telemetry.takeExceptions()),
    );
    const reannounceMs = t.reannounceMs ?? (u?.reannounceMin ?? 5) * 60_000;
    every(Math.min(reannounceMs, 60_000), () => this.reporter.reannounce(reannounceMs));
    try {
      this.heartbeat();
      // Alarms standing from before a restart go out at once, not after the first interval.
      if (restored) this.reporter.reannounce(reannounceMs);
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'first heartbeat not recorded');
    }
  }

  private async startCentre(queue: ReceiverQueue<CentreRecord>): Promise<void> {
    const centre = this.config.centre;
    if (!centre || !this.o.centreMaps || !this.centreOperations) return;
    try {
      const { CentreLink } = await import('../centre/gbt26875/centre-link.js');
      if (this.stopped) return;
      this.centre = new CentreLink({
        centre,
        zone: this.config.gateway.timeZone,
        maps: this.o.centreMaps,
        queue,
        operations: this.centreOperations,
        log: this.o.log.child({ name: 'centre' }),
        channels: () => this.link.status().channels,
        reading: (device, channel) => this.lastValues.get(`${device}/${channel}`),
        onClock: (when) => this.clock.vouch(when.getTime(), 5000),
        version: versionBytes(),
        describe: `${this.config.gateway.id} ${this.config.venue.name}`,
        ...(this.o.timers?.reconnectMaxMs ? { reconnectMaxMs: this.o.timers.reconnectMaxMs } : {}),
      });
      this.centre.start();
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'monitoring centre link failed to start: its queue is kept');
    }
  }

  private rememberedFromState(): ReadonlyMap<string, RememberedAlarm> {
    try {
      return this.state?.alarms() ?? new Map();
    } catch {
      return new Map();
    }
  }

  /** Shedding is itself reported; a clock that became good corrects what was recorded before. */
  private watch(): void {
    // A wall-clock step (NTP, a hand, fake-hwclock): reported, so the platform can tell `at` jumped.
    const stepMs = this.clockSteps.look(Date.now(), performance.now());
    if (stepMs !== undefined) {
      this.o.log.warn({ stepMs }, 'wall clock stepped');
      this.reporter.event('clock', { synced: this.clock.synced(), step: stepMs, by: 'step' });
    }
    // Link down: what waits in memory goes to disk, so an outage or a power cut does not lose it.
    if (this.uplink && !this.uplink.connected) this.outbox.spill(this.uplink.inFlightIds);
    if (this.outbox.shedRows > this.lastShed) {
      this.reporter.event('shed', {
        rows: this.outbox.shedRows - this.lastShed,
        totalRows: this.outbox.shedRows,
        totalBytes: this.outbox.shedBytes,
        reason: 'storage cap: oldest telemetry dropped',
      });
      this.lastShed = this.outbox.shedRows;
    }
    const synced = this.clock.synced();
    if (synced && !this.wasSynced) {
      const corrected = this.outbox.correctClock(this.o.boot, Date.now(), performance.now());
      this.reporter.event('clock', { synced: true, correctedEvents: corrected, by: 'system' });
    }
    this.wasSynced = synced;
  }

  heartbeat(): void {
    // The storage health the platform sees: the runtime's (state, its own records) and ours.
    this.reporter.heartbeat(
      Math.round((performance.now() - this.startedAt) / 1000),
      withRecording(this.link.status(), this.picture()),
      { cpuTempC: cpuTempC(), diskFreeMB: diskFreeMB(this.config.gateway.dataDir) },
      { rows: this.outbox.shedRows, bytes: this.outbox.shedBytes },
    );
  }

  /**
   * The backlog for command answers, counted at most once a second: counting walks the outbox, and a
   * platform sending thousands of get-status would otherwise walk it thousands of times (issue 21).
   */
  private recentBacklog(): RecordingPicture['backlog'] {
    const t = performance.now();
    if (this.backlogMemo && t - this.backlogMemo.at < 1000) return this.backlogMemo.backlog;
    const backlog = this.countBacklog();
    this.backlogMemo = { at: t, backlog };
    return backlog;
  }

  private countBacklog(): RecordingPicture['backlog'] {
    try {
      return this.outbox.backlog();
    } catch {
      return { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 };
    }
  }

  /** A person on site answers the monitoring centre's inspection (查岗). */
  answerInspection(): InspectionAnswer {
    if (!this.config.centre) return { ok: false, reason: 'no monitoring centre is configured' };
    if (!this.centre) return { ok: false, reason: 'the monitoring centre link is starting' };
    return this.centre.answerInspection();
  }

  /** How recording fares; the backlog counted at most once a second (it walks the outbox). */
  picture(counted?: RecordingPicture['backlog']): RecordingPicture {
    const backlog = counted ?? this.recentBacklog();
    return {
      connected: this.uplink?.connected ?? false,
      uplinkError: this.uplink?.lastError ?? null,
      backlog,
      shed: { rows: this.outbox.shedRows, bytes: this.outbox.shedBytes },
      openAlarms: this.reporter.openAlarms(),
      clockSynced: this.clock.synced(),
      outboxError: this.outboxError ?? null,
      unrecorded: this.events.size,
      failures: this.events.failures,
      recordError: this.events.lastError,
      unsaved: this.pendingState !== undefined,
      uplinkConnects: this.uplink?.connects ?? 0,
      inFlight: this.uplink?.inFlightCount ?? 0,
      ...(this.centreQueue
        ? {
            centre: this.centre?.picture() ?? {
              connected: false,
              error: 'starting',
              backlog: this.centreQueue.size,
              confirmed: 0,
              denied: 0,
              resent: 0,
              setAside: 0,
              lastConfirmAt: null,
              clockOffsetMs: 0,
              inspection: null,
            },
          }
        : {}),
    };
  }

  /** A last flush of the outbox while connected, `offline` published, files closed. Bounded; never throws. */
  async stop(flushMs = 2000, restarting = false): Promise<RecorderStopReport> {
    for (const t of this.timers) clearInterval(t);
    this.events.retry();
    this.flushState();
    const waiting = () => {
      try {
        return Object.values(this.outbox.backlog()).reduce((a, b) => a + b, 0);
      } catch {
        return Number.NaN;
      }
    };
    // Flush as far as the broker allows: a connection still being made (a stop right after start, or
    // between reconnects) gets the same budget, so the events of the stop itself are delivered too.
    const uplink = this.uplink;
    if (uplink && waiting() > 0) {
      const end = performance.now() + flushMs;
      uplink.hurry();
      while (performance.now() < end && waiting() > 0) {
        if (uplink.connected) uplink.kick();
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    this.stopped = true;
    this.centre?.stop();
    this.noisyCommands.flush();
    const { offlinePublished } = (await this.uplink?.stop(2000, restarting)) ?? { offlinePublished: false };
    const backlog = waiting();
    let storageError = this.events.lastError;
    try {
      this.outbox.close();
    } catch (err) {
      storageError = (err as Error).message;
      this.o.log.error({ err: { message: storageError } }, 'outbox not closed cleanly: what waited in memory is lost');
    }
    const stateSaved = this.pendingState === undefined;
    try {
      this.state?.close();
    } catch {
      // closing a file that cannot be written: nothing more to save
    }
    return { storageError, stateSaved, outboxFlushed: backlog === 0, backlog, offlinePublished };
  }

  /** Why the uplink is not connected (TLS file, DNS, refusal), or why the outbox is in memory. */
  troubles(): string[] {
    const out: string[] = [];
    if (this.outboxError) out.push(`outbox in memory: ${this.outboxError}`);
    if (this.uplink?.lastError) out.push(`uplink: ${this.uplink.lastError}`);
    return out;
  }
}
