// The runtime's side of the recorder's worker thread (`run`). Everything here only posts messages and
// never waits on the worker, so nothing the disk does can hold back polling, linkage or the outputs.
// The status page shows the recorder's last picture, and says so when the worker has gone quiet (a
// write stuck on a frozen or dying SD card).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config, RiskAssessment } from '../../config/index.js';
import type { DecodedPoint } from '../../drivers/plan/codec.js';
import type { ControlPort, InspectionAnswer } from '../control/port.js';
import type { ChannelSnapshot } from '../detect/channel-machine.js';
import type { GatewayEvent } from '../events.js';
import type { Logger } from '../log/logger.js';
import type { ControlCall, FromRecorder, RecorderInit, ToRecorder } from './protocol.js';
import type { RecorderStopReport, RecordingPicture } from './recorder.js';

/** After this long without a picture from the worker, it counts as stuck. */
const QUIET_MS = 5000;

export interface RecorderHostOptions {
  boot: string;
  log: Logger;
  logSettings: { level: string; pretty: boolean; time?: boolean; timeZone?: string };
  timers?: RecorderInit['timers'];
  centreMaps?: RecorderInit['centreMaps'];
  clockSynced?: boolean;
}

export class RecorderHost {
  private readonly worker: Worker;
  private last: { picture: RecordingPicture; troubles: string[]; at: number } | undefined;
  private readonly startedAt = performance.now();
  private stopped: ((r: RecorderStopReport) => void) | undefined;
  private exited = false;
  private exitError: string | undefined;
  private quietLogged = false;
  private readonly statusTimer: NodeJS.Timeout;
  private nextId = 0;
  private readonly inspections = new Map<number, (a: InspectionAnswer) => void>();

  constructor(
    config: Config,
    risk: RiskAssessment,
    private readonly runtime: ControlPort,
    private readonly o: RecorderHostOptions,
  ) {
    const init: RecorderInit = {
      config,
      risk,
      boot: o.boot,
      status: runtime.status(),
      log: o.logSettings,
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.centreMaps ? { centreMaps: o.centreMaps } : {}),
      ...(o.clockSynced ? { clockSynced: true } : {}),
    };
    // Built, this file sits beside worker.js; run from its TypeScript source (vitest), the worker is the
    // build's (npm test builds first).
    const beside = new URL('./worker.js', import.meta.url);
    const url = existsSync(fileURLToPath(beside)) ? beside : new URL('../../dist/gateway/recorder/worker.js', import.meta.url);
    this.worker = new Worker(url, { workerData: init });
    this.worker.on('message', (m: FromRecorder) => this.receive(m));
    this.worker.on('error', (err) => {
      this.exitError = err.message;
      o.log.error({ err: { message: err.message } }, 'recorder thread failed: nothing is recorded or reported any more; polling and the outputs go on');
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (!this.stopped && code !== 0 && !this.exitError) this.exitError = `recorder thread exited with code ${code}`;
    });
    // The worker's view of the runtime (for heartbeats, get-status, restoring alarms), once a second.
    this.statusTimer = setInterval(() => {
      if (!this.quiet()) this.post({ t: 'status', status: runtime.status() });
    }, 1000);
    this.statusTimer.unref();
  }

  private post(m: ToRecorder): void {
    if (this.exited) return;
    try {
      this.worker.postMessage(m);
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'message to the recorder thread failed');
    }
  }

  private receive(m: FromRecorder): void {
    switch (m.t) {
      case 'picture':
        if (this.quietLogged) this.o.log.info('recorder thread answers again');
        this.quietLogged = false;
        this.last = { picture: m.picture, troubles: m.troubles, at: performance.now() };
        return;
      case 'control':
        void this.answer(m.id, m.call);
        return;
      case 'inspection-answered':
        this.inspections.get(m.id)?.(m.answer);
        this.inspections.delete(m.id);
        return;
      case 'stopped':
        this.stopped?.(m.report);
        return;
    }
  }

  /** The platform's commands, made on the worker's side, act here on the runtime. */
  private async answer(id: number, c: ControlCall): Promise<void> {
    try {
      const value =
        c.method === 'reset'
          ? await this.runtime.reset(c.scope, c.source)
          : c.method === 'silence'
            ? await this.runtime.silence()
            : c.method === 'apply-config'
              ? await (this.runtime.applyConfig?.(c.offer) ?? { ok: false, reason: 'this gateway takes no config from the platform' })
              : c.method === 'update'
                ? await (this.runtime.update?.(c.offer) ?? { ok: false, reason: 'this gateway takes no software from the platform' })
                : c.method === 'diagnostics'
                  ? await (this.runtime.diagnostics?.() ?? { logs: [], config: null })
                  : await this.runtime.setMaintenance(c.device, c.on, {
                      ...(c.linkageTest !== undefined ? { linkageTest: c.linkageTest } : {}),
                      source: c.source,
                    });
      this.post({ t: 'answer', id, ok: true, value });
    } catch (err) {
      this.post({ t: 'answer', id, ok: false, error: (err as Error).message });
    }
  }

  /** Tells the platform what the whole gateway did (an event, through the outbox like any other). */
  report(type: 'config' | 'update', body: Record<string, unknown>): void {
    this.post({ t: 'report', type, body });
  }

  /** A person on site answers the centre's inspection; the worker says whether one was waiting. */
  answerInspection(): Promise<InspectionAnswer> {
    if (this.quiet()) return Promise.resolve({ ok: false, reason: 'the recorder is not answering (storage stalled?)' });
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.inspections.delete(id);
        resolve({ ok: false, reason: 'the recorder did not answer within 5 s' });
      }, 5000);
      this.inspections.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.post({ t: 'answer-inspection', id });
    });
  }

  /** The runtime has started: the recorder starts its timers with the runtime's status now. */
  start(): void {
    this.post({ t: 'status', status: this.runtime.status() });
    this.post({ t: 'start' });
  }

  record(e: GatewayEvent): void {
    this.post({ t: 'event', e });
  }

  /** Readings are telemetry, not events: skipped while the worker is stuck, so memory does not grow. */
  reading(device: string, points: Readonly<Record<string, DecodedPoint>>): void {
    if (!this.quiet()) this.post({ t: 'reading', device, points });
  }

  saveState(changed: ReadonlyMap<string, ChannelSnapshot>, valves: readonly string[]): void {
    this.post({ t: 'save', changed: [...changed], valves });
  }

  /** Why the recorder is not doing its job, when it is not: stuck, or gone. */
  trouble(): string | null {
    if (this.exitError) return this.exitError;
    const since = this.last?.at ?? this.startedAt;
    const ms = performance.now() - since;
    if (ms < QUIET_MS) return null;
    if (!this.quietLogged) {
      this.quietLogged = true;
      this.o.log.error({ quietMs: Math.round(ms) }, 'recorder thread not answering (storage stalled?): events wait in memory; polling and the outputs go on');
    }
    return `recorder not answering for ${Math.round(ms / 1000)} s (storage stalled?)`;
  }

  private quiet(): boolean {
    return this.trouble() !== null;
  }

  /** The recorder's last picture; before the first one, an empty one. */
  picture(): { picture: RecordingPicture; troubles: string[] } {
    return (
      this.last ?? {
        picture: {
          connected: false,
          uplinkError: null,
          backlog: { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 },
          shed: { rows: 0, bytes: 0 },
          openAlarms: [],
          clockSynced: false,
          outboxError: null,
          unrecorded: 0,
          failures: 0,
          recordError: null,
          unsaved: false,
          uplinkConnects: 0,
          inFlight: 0,
        },
        troubles: [],
      }
    );
  }

  /**
   * Flushes and closes on the worker, bounded: past `boundMs` the worker is terminated and the report
   * says nothing was confirmed.
   */
  async stop(flushMs: number, boundMs: number, restarting = false): Promise<RecorderStopReport> {
    clearInterval(this.statusTimer);
    const lost: RecorderStopReport = {
      storageError: this.exitError ?? 'recorder thread did not finish its stop (storage stalled?)',
      stateSaved: false,
      outboxFlushed: false,
      backlog: Number.NaN,
      offlinePublished: false,
    };
    if (this.exited) return lost;
    const report = await new Promise<RecorderStopReport | undefined>((resolve) => {
      this.stopped = resolve;
      setTimeout(() => resolve(undefined), boundMs).unref();
      this.worker.once('exit', () => resolve(undefined));
      this.post({ t: 'stop', flushMs, restarting });
    });
    if (report) {
      // A library's timer may keep the thread alive after its stop; the report is in, so do not wait on it.
      await Promise.race([new Promise((r) => this.worker.once('exit', r)), new Promise((r) => setTimeout(r, 500).unref())]);
      if (!this.exited) await Promise.race([this.worker.terminate(), new Promise((r) => setTimeout(r, 1000).unref())]).catch(() => undefined);
      return report;
    }
    this.o.log.error({ boundMs }, 'recorder thread did not stop in time: terminated');
    await Promise.race([this.worker.terminate(), new Promise((r) => setTimeout(r, 1000).unref())]).catch(() => undefined);
    return lost;
  }
}
