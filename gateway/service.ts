// The whole gateway: the runtime (poll, detect, act) plus the recorder (outbox, uplink, reporter,
// heartbeats, telemetry, commands, re-announcements, clock correction). `jiuxiao-gateway run` is this,
// started and stopped on signals, with the recorder on a worker thread of its own: synchronous SQLite on
// a stalled SD card then blocks only that thread, never polling and the outputs. There is one layout:
// tests run the recorder on its thread as production does, and see it through the status snapshot.

import { randomUUID } from 'node:crypto';
import type { Config, Profile, RiskAssessment } from '../config/index.js';
import { packageVersion } from '../config/package-version.js';
import { RISK_LABELS } from '../config/risk.js';
import type { DecodedPoint } from '../drivers/plan/codec.js';
import type { ConfigAnswer, ConfigOffer, ControlPort, ProcessDiagnostics, UpdateOffer } from './control/port.js';
import { redactString } from './log/redact.js';
import type { StatusSnapshot } from './status/snapshot.js';
import { StatusServer } from './status/status-server.js';
import type { Logger } from './log/logger.js';
import { LogThrottle } from './log/throttle.js';
import type { GatewayEvent } from './events.js';
import { GatewayRuntime } from './runtime.js';
import type { ReconcilerTiming } from './outputs/reconciler.js';
import { withRecording, type RecorderStopReport, type RecorderTimers, type RecordingPicture } from './recorder/recorder.js';
import { RecorderHost } from './recorder/host.js';
import { componentMaps } from './centre/gbt26875/components.js';
import { outputState } from './status/words.js';
import { join } from 'node:path';

/** What a stop did and did not do: the last log line says it, truthfully. */
export interface StopReport {
  /** 'held': every output confirmed at what the stop leaves it (`Linkage.atStop`). */
  outputs: 'held' | 'not started' | { output: string; detail: string }[];
  stateSaved: boolean;
  storageError: string | null;
  outboxFlushed: boolean;
  backlog: number;
  offlinePublished: boolean;
  /** Stopped to start again at once in this process (a config switch): `offline` left out on purpose. */
  restarting?: boolean;
  ms: number;
}

export interface ServiceOptions {
  profiles: Readonly<Record<string, Profile>>;
  log: Logger;
  /** Count the clock as synced (tests). */
  clockSynced?: boolean;
  /** Test hook: every event as it happens. */
  onEvent?: (e: GatewayEvent) => void;
  memoryInputs?: Map<string, (active: boolean) => void>;
  /** Shorter output retry and re-read times for tests. */
  outputTiming?: Partial<ReconcilerTiming>;
  /** Shorter timers for tests (ms). */
  timers?: RecorderTimers;
  /** The log settings the recorder's thread makes its logger from. */
  logSettings?: { level: string; pretty: boolean; time?: boolean; timeZone?: string };
  /** A config from the platform (`run` takes them: gateway/fleet/config-keeper.ts). */
  applyConfig?: (offer: ConfigOffer) => Promise<ConfigAnswer>;
  /** A software release from the platform (`run` from an installed bundle: gateway/fleet/update-keeper.ts). */
  update?: (offer: UpdateOffer) => Promise<ConfigAnswer>;
  /** This thread's part of remote diagnostics (`run`: its log lines, the config running). */
  diagnostics?: () => Promise<ProcessDiagnostics>;
}

export class GatewayService {
  readonly boot = randomUUID();
  readonly runtime: GatewayRuntime;
  /** The recorder's thread, as this thread sees it. */
  private readonly host: RecorderHost;
  private readonly startedAt = performance.now();
  /** The last decoded points of each device, for the status page. */
  private readonly lastPoints = new Map<string, Readonly<Record<string, DecodedPoint>>>();
  private statusServer: StatusServer | undefined;
  /** The control port the Unix socket serves: the runtime's, with the whole gateway's storage health. */
  readonly port: ControlPort;

  constructor(
    readonly config: Config,
    private readonly risk: RiskAssessment,
    private readonly o: ServiceOptions,
  ) {
    // A device that flaps on the bus (answers, times out, answers) makes a device and a fault event each
    // time: their log lines are rate-limited per device and channel. Alarms, warnings and outputs never.
    const busNoise = new LogThrottle(o.log);
    // The runtime comes first: it closes the valve whatever storage and the uplink do.
    this.runtime = new GatewayRuntime(config, {
      profiles: o.profiles,
      log: o.log,
      onEvent: (e) => {
        o.onEvent?.(e);
        const level =
          e.type === 'channel' && (e.state === 'alarm' || e.state === 'fault') ? 'warn' : e.type === 'output' && e.status === 'failed' ? 'error' : 'info';
        if (e.type === 'device') busNoise[level](`device ${e.device}`, { event: e }, `${e.type} event`);
        else if (e.type === 'channel' && (e.state === 'fault' || e.previousState === 'fault') && e.state !== 'alarm' && e.state !== 'warning') {
          busNoise[level](`channel ${e.device}/${e.channel}`, { event: e }, `${e.type} event`);
        } else o.log[level]({ event: e }, `${e.type} event`);
      },
      // Never throws: the recorder keeps what it cannot write, in order, and retries.
      record: (e) => this.host.record(e),
      onReading: (device, points) => {
        this.lastPoints.set(device, points);
        this.host.reading(device, points);
      },
      stateSink: (changed, valves) => this.host.saveState(changed, valves),
      ...(o.memoryInputs ? { memoryInputs: o.memoryInputs } : {}),
      ...(o.outputTiming ? { outputTiming: o.outputTiming } : {}),
    });
    const runtime = this.runtime;
    const centreMaps = config.centre ? componentMaps(config, o.profiles, config.centre) : undefined;
    // What the platform's commands reach: the runtime, and a config offer for `run` to take.
    const commands: ControlPort = {
      status: () => runtime.status(),
      reset: (scope, source) => runtime.reset(scope, source),
      silence: () => runtime.silence(),
      setMaintenance: (device, on, opts) => runtime.setMaintenance(device, on, opts),
      ...(o.applyConfig ? { applyConfig: o.applyConfig } : {}),
      ...(o.update ? { update: o.update } : {}),
      ...(o.diagnostics ? { diagnostics: o.diagnostics } : {}),
    };
    this.host = new RecorderHost(config, risk, commands, {
      boot: this.boot,
      log: o.log,
      logSettings: o.logSettings ?? { level: 'info', pretty: false },
      ...(o.timers ? { timers: o.timers } : {}),
      ...(centreMaps ? { centreMaps } : {}),
      ...(o.clockSynced ? { clockSynced: true } : {}),
    });
    this.port = {
      status: () => this.status(),
      reset: (scope, source) => runtime.reset(scope, source),
      silence: () => runtime.silence(),
      setMaintenance: (device, on, opts) => runtime.setMaintenance(device, on, opts),
      answerInspection: () => this.host.answerInspection(),
    };
  }

  /** Tells the platform what the whole gateway did (a config kept or rolled back). */
  report(type: 'config' | 'update', body: Record<string, unknown>): void {
    this.host.report(type, body);
  }

  async start(): Promise<void> {
    // Acting first: polling, detection and linkage start whatever the uplink does (the recorder's thread
    // restores the alarms standing from before a restart and starts its timers on its own).
    await this.runtime.start();
    this.host.start();
    const st = this.config.status;
    if (st.enabled) {
      // prom-client (≈ 13 MB of RSS) is loaded at the first scrape of /metrics: a box nobody scrapes
      // never carries it (bench/footprint).
      const dir = this.config.gateway.dataDir;
      const files = Object.fromEntries(['outbox.db', 'outbox.db-wal', 'state.db', 'state.db-wal'].map((f) => [f, join(dir, f)]));
      const view = () => {
        const rec = this.recording();
        return {
          snapshot: this.snapshot(),
          buses: this.runtime.status().buses,
          uplink: { connects: rec.picture.uplinkConnects, inFlight: rec.picture.inFlight },
          files,
        };
      };
      let loaded: Promise<{ text(): Promise<string> }> | undefined;
      const metrics = {
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        text: async () => {
          loaded ??= import('./status/metrics.js').then(({ GatewayMetrics }) => new GatewayMetrics(view));
          return (await loaded).text();
        },
      };
      this.statusServer = new StatusServer(
        { host: st.host, port: st.port, token: st.token },
        () => this.snapshot(),
        this.o.log.child({ name: 'status' }),
        metrics,
      );
      await this.statusServer.start();
    }
  }

  /** The recorder's picture: the last its thread sent. */
  private recording(): { picture: RecordingPicture; troubles: string[]; stuck: string | null } {
    return { ...this.host.picture(), stuck: this.host.trouble() };
  }

  /** The runtime's status with the whole gateway's storage health (what the local `status` shows). */
  status(): ReturnType<GatewayRuntime['status']> {
    const r = this.recording();
    return withRecording(this.runtime.status(), r.picture, r.stuck);
  }

  /** Why the gateway's acting part is not alive (hung event chain or poll loop), or null: the watchdog's question. */
  liveness(): string | null {
    return this.runtime.liveness();
  }

  /** The URL of the local status page, when it is listening. */
  get statusUrl(): string | undefined {
    return this.statusServer?.url;
  }

  /** One picture of the running gateway for the local status page. */
  snapshot(): StatusSnapshot {
    const rec = this.recording();
    const p = rec.picture;
    const st = withRecording(this.runtime.status(), p, rec.stuck);
    const v = this.config.venue;
    const deviceCfg = new Map(this.config.devices.map((d) => [d.id, d]));
    const outputCfg = new Map(this.config.outputs.map((o) => [o.id, o]));
    return {
      gateway: {
        id: this.config.gateway.id,
        version: packageVersion(),
        boot: this.boot,
        uptimeS: Math.round((performance.now() - this.startedAt) / 1000),
        clock: p.clockSynced ? 'synced' : 'unsynced',
        at: new Date().toISOString(),
        timeZone: this.config.gateway.timeZone,
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
        configured: this.config.uplink !== undefined,
        url: this.config.uplink ? redactString(this.config.uplink.url) : null,
        connected: p.connected,
        error: p.uplinkError,
        backlog: p.backlog,
        shed: p.shed,
      },
      centre:
        this.config.centre && p.centre
          ? {
              address: `${this.config.centre.host}:${this.config.centre.port}`,
              connected: p.centre.connected,
              error: p.centre.error,
              backlog: p.centre.backlog,
              confirmed: p.centre.confirmed,
              denied: p.centre.denied,
              setAside: p.centre.setAside,
              lastConfirmAt: p.centre.lastConfirmAt,
              inspection: p.centre.inspection,
            }
          : null,
      storage: {
        ...st.storage,
        outboxInMemory: p.outboxError !== null,
        lastError: st.storage.lastError ?? null,
      },
      openAlarms: p.openAlarms,
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
        const pt = this.lastPoints.get(c.device)?.[c.channel];
        return {
          device: c.device,
          channel: c.channel,
          kind: c.kind,
          state: c.state,
          latched: c.latched,
          value: pt?.value ?? null,
          unit: pt?.unit ?? null,
          label: pt?.label ?? null,
        };
      }),
      outputs: Object.entries(st.outputs).map(([id, o]) => {
        const role = outputCfg.get(id)?.role ?? '';
        const closedLevel = outputCfg.get(id)?.closedLevel;
        return {
          id,
          role,
          level: o.level,
          desired: o.desired,
          observedState: outputState(role, closedLevel, o.level),
          desiredState: outputState(role, closedLevel, o.desired),
          ok: o.ok,
          detail: o.detail ?? null,
          reason: o.reason,
        };
      }),
      closedValves: st.closedValves,
      buses: st.buses.map((b) => ({ id: b.id, link: b.link, reason: b.reason })),
    };
  }

  /**
   * Outputs left as the alarms demand (valves closed), state saved, a last flush of the outbox while connected, `offline` published,
   * files closed. Bounded whatever the broker or the disk does; never throws. Says what it did.
   */
  async stop(flushMs = 2000, restarting = false): Promise<StopReport> {
    const t0 = performance.now();
    await Promise.race([this.statusServer?.stop(), new Promise((r) => setTimeout(r, 1000).unref())]).catch(() => undefined);
    const r = await this.runtime.stop();
    // The recorder's stop: flush (flushMs), `offline` (2 s), close; on a worker also bounded as a whole.
    const rec: RecorderStopReport = await this.host.stop(flushMs, flushMs + 4000, restarting);
    return {
      outputs: r.outputs === 'not started' ? 'not started' : r.outputs.length ? r.outputs : 'held',
      stateSaved: r.saved && rec.stateSaved,
      storageError: r.storageError ?? rec.storageError,
      outboxFlushed: rec.outboxFlushed,
      backlog: rec.backlog,
      offlinePublished: rec.offlinePublished,
      ...(restarting ? { restarting } : {}),
      ms: Math.round(performance.now() - t0),
    };
  }

  /** Why the uplink is not connected (TLS file, DNS, refusal), why the outbox is in memory, a stuck recorder. */
  get troubles(): string[] {
    const r = this.recording();
    return r.stuck ? [...r.troubles, r.stuck] : r.troubles;
  }
}
