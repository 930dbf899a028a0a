// The whole gateway: the runtime (poll, detect, act) plus what reports it — the outbox, the uplink, the
// reporter, heartbeats, telemetry, commands, re-announcements, clock correction. `jiuxiao-gateway run`
// is this, started and stopped on signals.

import { randomUUID } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import type { Config, Profile, RiskAssessment } from '../config/index.js';
import { packageVersion } from '../config/package-version.js';
import { RISK_LABELS } from '../config/risk.js';
import type { DecodedPoint } from '../drivers/plan/codec.js';
import { redactString } from './log/redact.js';
import type { StatusSnapshot } from './status/snapshot.js';
import { StatusServer } from './status/status-server.js';
import { Outbox } from './outbox/outbox.js';
import type { Logger } from './log/logger.js';
import type { GatewayEvent } from './events.js';
import { GatewayRuntime } from './runtime.js';
import { ClockStepWatch, SystemClock } from './uplink/clock.js';
import { AnsweredCommands } from './control/answered.js';
import { handleCommand } from './control/commands.js';
import { Reporter } from './uplink/reporter.js';
import { TelemetryAggregator } from './uplink/telemetry.js';
import { Uplink } from './uplink/uplink.js';
import type { ReconcilerTiming } from './outputs/reconciler.js';

/** What a stop did and did not do: the last log line says it, truthfully. */
export interface StopReport {
  outputs: 'safe' | 'not started' | { output: string; detail: string }[];
  stateSaved: boolean;
  storageError: string | null;
  outboxFlushed: boolean;
  backlog: number;
  offlinePublished: boolean;
  ms: number;
}

export interface ServiceOptions {
  profiles: Readonly<Record<string, Profile>>;
  log: Logger;
  clock?: SystemClock;
  /** Test hook: every event as it happens. */
  onEvent?: (e: GatewayEvent) => void;
  memoryInputs?: Map<string, (active: boolean) => void>;
  /** Shorter output retry and re-read times for tests. */
  outputTiming?: Partial<ReconcilerTiming>;
  /** Shorter timers for tests (ms). */
  timers?: { heartbeatMs?: number; telemetryMs?: number; exceptionMs?: number; reannounceMs?: number };
}

function cpuTempC(): number | null {
  try {
    return Math.round(Number(readFileSync('/sys/class/thermal/thermal_zone0/temp', 'utf8')) / 100) / 10;
  } catch {
    return null;
  }
}

function diskFreeMB(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Math.round((s.bavail * s.bsize) / 1048576);
  } catch {
    return null;
  }
}

export class GatewayService {
  readonly boot = randomUUID();
  readonly outbox: Outbox;
  private readonly answered: AnsweredCommands;
  readonly runtime: GatewayRuntime;
  readonly reporter: Reporter;
  readonly uplink: Uplink | undefined;
  private readonly telemetry = new TelemetryAggregator();
  private readonly clock: SystemClock;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAt = performance.now();
  private lastShed = 0;
  private wasSynced: boolean;
  private lastSummaryAt = Date.now();
  /** The last decoded points of each device, for the status page. */
  private readonly lastPoints = new Map<string, Readonly<Record<string, DecodedPoint>>>();
  private statusServer: StatusServer | undefined;
  /** Why the outbox runs in memory, when it does. */
  private outboxError: string | undefined;
  private readonly clockSteps = new ClockStepWatch(Date.now(), performance.now());

  constructor(
    readonly config: Config,
    private readonly risk: RiskAssessment,
    private readonly o: ServiceOptions,
  ) {
    const storage = config.storage;
    const caps = { maxRows: storage.maxRows, maxBytes: storage.maxMB * 1048576, reserveRows: storage.alarmReserveRows };
    // The runtime comes first: it closes the valve whatever storage and the uplink do.
    this.runtime = new GatewayRuntime(config, {
      profiles: o.profiles,
      log: o.log,
      onEvent: (e) => {
        o.onEvent?.(e);
        const level =
          e.type === 'channel' && (e.state === 'alarm' || e.state === 'fault') ? 'warn' : e.type === 'output' && e.status === 'failed' ? 'error' : 'info';
        o.log[level]({ event: e }, `${e.type} event`);
      },
      // Throws when the outbox cannot take it: the runtime keeps the event and retries, in order.
      record: (e) => this.reporter.record(e),
      onReading: (device, points) => {
        this.telemetry.add(device, points);
        this.lastPoints.set(device, points);
      },
      ...(o.memoryInputs ? { memoryInputs: o.memoryInputs } : {}),
      ...(o.outputTiming ? { outputTiming: o.outputTiming } : {}),
    });
    let outbox: Outbox;
    try {
      outbox = new Outbox(config.gateway.dataDir, caps);
      if (outbox.movedAside) o.log.error({ file: outbox.movedAside }, 'outbox failed its check at boot: moved aside, starting fresh');
    } catch (err) {
      // A full or read-only data directory at boot: run, report from memory, and say so loudly.
      this.outboxError = (err as Error).message;
      o.log.error(
        { err: { message: this.outboxError, code: (err as { code?: string }).code }, dataDir: config.gateway.dataDir },
        'outbox unusable: events are kept in memory only and lost at a restart',
      );
      outbox = new Outbox(null, caps);
    }
    this.outbox = outbox;
    this.answered = new AnsweredCommands(outbox.database);
    this.clock = o.clock ?? new SystemClock();
    this.wasSynced = this.clock.synced();
    this.uplink = config.uplink
      ? new Uplink(config.uplink, {
          gatewayId: config.gateway.id,
          outbox: this.outbox,
          log: o.log.child({ name: 'uplink' }),
          onCommand: (p) => this.command(p),
        })
      : undefined;
    this.reporter = new Reporter(config, risk, {
      outbox: this.outbox,
      boot: this.boot,
      clock: this.clock,
      newId: randomUUID,
      onCommit: (topic) => (topic === 'telemetry' || topic === 'heartbeat' ? this.uplink?.kick() : this.uplink?.urgent()),
      remember: (open) => this.runtime.saveAlarms(open),
    });
  }

  private command(payload: Buffer): Promise<void> {
    return handleCommand(payload, {
      port: this.runtime,
      answered: this.answered,
      reporter: this.reporter,
      outbox: this.outbox,
      clock: this.clock,
      boot: this.boot,
      log: this.o.log,
      extraStatus: () => ({
        openAlarms: this.reporter.openAlarms(),
        backlog: this.outbox.backlog(),
        shed: { rows: this.outbox.shedRows, bytes: this.outbox.shedBytes },
      }),
    });
  }

  async start(): Promise<void> {
    // Acting first: polling, detection and linkage start whatever the uplink does.
    const remembered = this.runtime.rememberedAlarms();
    const restored = this.reporter.restore(remembered, this.runtime.status().channels);
    if (restored) this.o.log.warn({ openAlarms: this.reporter.openAlarms() }, 'alarms standing from before the restart: re-announced until acknowledged');
    await this.runtime.start();
    // The uplink connects in the background (never awaited: a gateway runs with the network down) and
    // never throws: TLS files and DNS are its own trouble, shown in the status and retried.
    try {
      this.uplink?.start();
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'uplink failed to start');
    }
    const st = this.config.status;
    if (st.enabled) {
      this.statusServer = new StatusServer({ host: st.host, port: st.port, token: st.token }, () => this.snapshot(), this.o.log.child({ name: 'status' }));
      await this.statusServer.start();
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
    every(5000, () => this.watch());
    every(600_000, () => this.outbox.vacuumSome());
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
    this.heartbeat();
    // Alarms standing from before a restart go out at once, not after the first interval.
    if (restored) this.reporter.reannounce(reannounceMs);
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
      const corrected = this.outbox.correctClock(this.boot, Date.now(), performance.now());
      this.reporter.event('clock', { synced: true, correctedEvents: corrected, by: 'system' });
    }
    this.wasSynced = synced;
  }

  heartbeat(): void {
    this.reporter.heartbeat(
      Math.round((performance.now() - this.startedAt) / 1000),
      this.runtime.status(),
      { cpuTempC: cpuTempC(), diskFreeMB: diskFreeMB(this.config.gateway.dataDir) },
      { rows: this.outbox.shedRows, bytes: this.outbox.shedBytes },
    );
  }

  /** The URL of the local status page, when it is listening. */
  get statusUrl(): string | undefined {
    return this.statusServer?.url;
  }

  /** One picture of the running gateway for the local status page. */
  snapshot(): StatusSnapshot {
    const st = this.runtime.status();
    const v = this.config.venue;
    const deviceCfg = new Map(this.config.devices.map((d) => [d.id, d]));
    const roles = new Map(this.config.outputs.map((o) => [o.id, o.role]));
    return {
      gateway: {
        id: this.config.gateway.id,
        version: packageVersion(),
        boot: this.boot,
        uptimeS: Math.round((performance.now() - this.startedAt) / 1000),
        clock: this.clock.synced() ? 'synced' : 'unsynced',
        at: new Date().toISOString(),
      },
      venue: {
        id: v.id,
        name: v.name,
        category: v.category,
        risk: this.risk.colour,
        riskLabel: `${RISK_LABELS[this.risk.colour].zh} ${RISK_LABELS[this.risk.colour].en}`,
        reasons: this.risk.reasons.map((r) => r.text),
      },
      uplink: {
        configured: this.uplink !== undefined,
        url: this.config.uplink ? redactString(this.config.uplink.url) : null,
        connected: this.uplink?.connected ?? false,
        error: this.uplink?.lastError ?? null,
        backlog: this.backlogOrZero(),
        shed: { rows: this.outbox.shedRows, bytes: this.outbox.shedBytes },
      },
      storage: {
        ...st.storage,
        ok: st.storage.ok && this.outboxError === undefined,
        outboxInMemory: this.outboxError !== undefined,
        lastError: st.storage.lastError ?? this.outboxError ?? null,
      },
      openAlarms: this.reporter.openAlarms(),
      devices: st.devices.map((d) => ({
        id: d.id,
        profile: deviceCfg.get(d.id)?.profile ?? '',
        bus: deviceCfg.get(d.id)?.bus ?? '',
        online: d.online ?? null,
        lastReason: d.lastReason,
        polls: d.polls,
        failures: d.failures,
        lastGoodAt: d.lastGoodAt === undefined ? null : new Date(d.lastGoodAt).toISOString(),
        breaker: d.breaker,
        maintenance: st.maintenance.includes(d.id),
      })),
      channels: st.channels.map((c) => {
        const p = this.lastPoints.get(c.device)?.[c.channel];
        return {
          device: c.device,
          channel: c.channel,
          kind: c.kind,
          state: c.state,
          latched: c.latched,
          value: p?.value ?? null,
          unit: p?.unit ?? null,
          label: p?.label ?? null,
        };
      }),
      outputs: Object.entries(st.outputs).map(([id, o]) => ({
        id,
        role: roles.get(id) ?? '',
        level: o.level,
        desired: o.desired,
        ok: o.ok,
        detail: o.detail ?? null,
        reason: o.reason,
      })),
      closedValves: st.closedValves,
      buses: st.buses.map((b) => ({ id: b.id, link: b.link, reason: b.reason })),
    };
  }

  /**
   * Outputs to safe state, state saved, a last flush of the outbox while connected, `offline` published,
   * files closed. Bounded whatever the broker or the disk does; never throws. Says what it did.
   */
  async stop(flushMs = 2000): Promise<StopReport> {
    const t0 = performance.now();
    for (const t of this.timers) clearInterval(t);
    await Promise.race([this.statusServer?.stop(), new Promise((r) => setTimeout(r, 1000).unref())]).catch(() => undefined);
    const r = await this.runtime.stop();
    let backlog = 0;
    const waiting = () => {
      try {
        return Object.values(this.outbox.backlog()).reduce((a, b) => a + b, 0);
      } catch {
        return Number.NaN;
      }
    };
    if (this.uplink?.connected) {
      const end = performance.now() + flushMs;
      while (performance.now() < end && this.uplink.connected && waiting() > 0) {
        this.uplink.kick();
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    const { offlinePublished } = (await this.uplink?.stop(2000)) ?? { offlinePublished: false };
    backlog = waiting();
    let storageError = r.storageError;
    try {
      this.outbox.close();
    } catch (err) {
      storageError = (err as Error).message;
      this.o.log.error({ err: { message: storageError } }, 'outbox not closed cleanly: what waited in memory is lost');
    }
    return {
      outputs: r.outputs === 'not started' ? 'not started' : r.outputs.length ? r.outputs : 'safe',
      stateSaved: r.saved,
      storageError,
      outboxFlushed: backlog === 0,
      backlog,
      offlinePublished,
      ms: Math.round(performance.now() - t0),
    };
  }

  /** The outbox's backlog; zeros when it cannot be read (the page must still show the rest). */
  private backlogOrZero(): Record<'alarm' | 'event' | 'heartbeat' | 'telemetry', number> {
    try {
      return this.outbox.backlog();
    } catch {
      return { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 };
    }
  }

  /** Why the uplink is not connected (TLS file, DNS, refusal), or why the outbox is in memory. */
  get troubles(): string[] {
    const out: string[] = [];
    if (this.outboxError) out.push(`outbox in memory: ${this.outboxError}`);
    if (this.uplink?.lastError) out.push(`uplink: ${this.uplink.lastError}`);
    return out;
  }
}
