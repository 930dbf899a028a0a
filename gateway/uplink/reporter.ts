// Turns what happens in the gateway into contract messages in the outbox: channel events on `alarm`
// (with the alarm lifecycle id and the venue fields), everything else on `event`, heartbeats, telemetry
// summaries and exceptions, command results. Also re-announces unacknowledged alarms.

import type { Config } from '../../config/index.js';
import { packageVersion } from '../../config/package-version.js';
import type { RiskAssessment } from '../../config/index.js';
import type { ChannelEvent, GatewayEvent } from '../events.js';
import type { RuntimeStatus } from '../control/port.js';
import type { RememberedAlarm } from '../state/state-store.js';
import type { AlarmMessage } from '../contract/messages.js';
import { SCHEMA_VERSION } from '../contract/topics.js';
import type { Outbox, OutTopic } from '../outbox/outbox.js';
import type { Reported } from '../outbox/receivers.js';
import type { ClockQuality } from './clock.js';

export interface ReporterOptions {
  outbox: Outbox;
  boot: string;
  clock: ClockQuality;
  newId: () => string;
  /** Called after each commit, so the uplink publishes at once. */
  onCommit?: (topic: OutTopic) => void;
  /** Called when the open alarms change (one opens, is acknowledged, closes): kept across restarts. */
  remember?: (open: ReadonlyMap<string, RememberedAlarm>) => void;
}

/** An alarm (or warning, or fault) not yet cleared, as the page, the heartbeat and `status` show it. */
export interface OpenAlarm {
  alarmId: string;
  device: string;
  channel: string;
  state: string;
  acknowledged: boolean;
}

/** The reporter's own record of an open alarm: its lifecycle and its last event. */
interface Lifecycle {
  alarmId: string;
  last: ChannelEvent;
  acknowledged: boolean;
  /** Monotonic time of the last announcement: a wall-clock step must not silence re-announcements. */
  lastAnnounced: number;
}

export class Reporter {
  private readonly venue;
  /** Channels not in normal, by "device/channel": their alarm lifecycle. */
  private readonly open = new Map<string, Lifecycle>();

  constructor(
    private readonly config: Config,
    risk: RiskAssessment,
    private readonly o: ReporterOptions,
  ) {
    this.venue = { id: config.venue.id, adminCode: config.venue.adminCode, category: config.venue.category, risk: risk.colour };
  }

  private envelope(id: string, seq: number, at: number) {
    return {
      v: SCHEMA_VERSION as typeof SCHEMA_VERSION,
      id,
      gw: this.config.gateway.id,
      seq,
      at: new Date(at).toISOString(),
      clock: this.o.clock.synced() ? ('synced' as const) : ('unsynced' as const),
      boot: this.o.boot,
    };
  }

  /** `report`: the typed event the message comes from, offered to the other receivers (a centre) as it is. */
  private commit(topic: OutTopic, id: string, mono: number, build: (seq: number) => unknown, report?: Reported): void {
    const meta = { boot: this.o.boot, mono, unsynced: !this.o.clock.synced() };
    // Telemetry and heartbeats wait in memory (SD cards): spilled to disk only when they cannot go out.
    if (topic === 'telemetry' || topic === 'heartbeat') this.o.outbox.addVolatile(topic, id, meta, ({ seq }) => build(seq));
    else this.o.outbox.add(topic, id, meta, ({ seq }) => build(seq), report);
    this.o.onCommit?.(topic);
  }

  record(e: GatewayEvent): void {
    if (e.type === 'channel') return this.channel(e);
    const mono = performance.now();
    const body =
      e.type === 'output'
        ? {
            output: e.output,
            role: e.role,
            action: e.action,
            level: e.level,
            status: e.status,
            reason: e.reason,
            detail: e.detail ?? null,
            cause: e.cause ?? null,
          }
        : { device: e.device, state: e.state, reason: e.reason };
    this.commit('event', e.id, mono, (seq) => ({ ...this.envelope(e.id, seq, e.at), type: e.type, body, venue: this.venue }), { event: e, reannounce: false });
  }

  /**
   * After a restart: the alarms that still stand (their channel restored in a non-normal state) open
   * again under the lifecycle id the platform knows, and are re-announced at the next chance unless
   * they had been acknowledged. Returns how many.
   */
  restore(remembered: ReadonlyMap<string, RememberedAlarm>, standing: readonly { device: string; channel: string; state: string }[]): number {
    const now = new Set(standing.filter((c) => c.state !== 'normal').map((c) => `${c.device}/${c.channel}`));
    for (const [key, r] of remembered) {
      if (!now.has(key)) continue;
      this.open.set(key, { alarmId: r.alarmId, last: { ...r.last, test: false }, acknowledged: r.acknowledged, lastAnnounced: -Infinity });
    }
    if (this.open.size !== remembered.size) this.rememberOpen();
    return this.open.size;
  }

  private rememberOpen(): void {
    this.o.remember?.(new Map([...this.open].map(([k, v]) => [k, { alarmId: v.alarmId, acknowledged: v.acknowledged, last: v.last }])));
  }

  private channel(e: ChannelEvent, reannounce = false, id = e.id): void {
    const key = `${e.device}/${e.channel}`;
    let open = this.open.get(key);
    let changed = false;
    if (!open && !reannounce) {
      open = { alarmId: id, last: e, acknowledged: false, lastAnnounced: performance.now() };
      if (e.state !== 'normal') {
        this.open.set(key, open);
        changed = true;
      }
    }
    const alarmId = open?.alarmId ?? id;
    if (open && !reannounce) {
      open.last = e;
      open.lastAnnounced = performance.now();
      if (e.state === 'normal') changed = this.open.delete(key);
      // An escalation (warning → alarm) needs a fresh acknowledgement.
      if (e.state === 'alarm' && e.previousState !== 'alarm' && open.acknowledged) {
        open.acknowledged = false;
        changed = true;
      }
    }
    const msg = (seq: number): AlarmMessage => ({
      ...this.envelope(id, seq, e.at),
      type: 'channel',
      alarmId,
      device: e.device,
      channel: e.channel,
      kind: e.kind,
      state: e.state,
      previousState: e.previousState,
      reason: e.reason,
      detail: e.detail,
      value: e.value ?? null,
      threshold: e.threshold ?? null,
      ...(e.unit !== undefined ? { unit: e.unit } : {}),
      latched: e.latched,
      test: e.test,
      reannounce,
      venue: this.venue,
    });
    this.commit('alarm', id, e.mono, msg, { event: e, reannounce });
    if (changed) this.rememberOpen();
  }

  /** The platform acknowledged an alarm (Article 8's closed loop): no more re-announcements. */
  acknowledge(alarmId: string, by: string | undefined): boolean {
    for (const open of this.open.values()) {
      if (open.alarmId !== alarmId) continue;
      open.acknowledged = true;
      this.rememberOpen();
      const id = this.o.newId();
      this.commit('event', id, performance.now(), (seq) => ({
        ...this.envelope(id, seq, Date.now()),
        type: 'ack',
        body: { alarmId, by: by ?? null, device: open.last.device, channel: open.last.channel },
        venue: this.venue,
      }));
      return true;
    }
    return false;
  }

  /** Re-announces alarms (and faults) nobody acknowledged for `everyMs`. */
  reannounce(everyMs: number): number {
    let n = 0;
    const mono = performance.now();
    for (const open of this.open.values()) {
      if (open.acknowledged || open.last.state === 'warning' || open.last.test || mono - open.lastAnnounced < everyMs) continue;
      open.lastAnnounced = mono;
      this.channel({ ...open.last, at: Date.now(), mono }, true, this.o.newId());
      n++;
    }
    return n;
  }

  openAlarms(): OpenAlarm[] {
    return [...this.open.values()].map((o) => ({
      alarmId: o.alarmId,
      device: o.last.device,
      channel: o.last.channel,
      state: o.last.state,
      acknowledged: o.acknowledged,
    }));
  }

  heartbeat(uptimeS: number, status: RuntimeStatus, host: { cpuTempC: number | null; diskFreeMB: number | null }, shed: { rows: number; bytes: number }): void {
    const id = this.o.newId();
    const devices = status.devices.map((d) => ({ id: d.id, online: d.online ?? null, reason: d.lastReason }));
    const outputs = Object.entries(status.outputs).map(([oid, s]) => ({
      id: oid,
      level: s.level,
      ok: s.ok,
      desired: s.desired,
      ...(s.detail !== undefined ? { fault: s.detail } : {}),
    }));
    this.commit('heartbeat', id, performance.now(), (seq) => ({
      ...this.envelope(id, seq, Date.now()),
      version: packageVersion(),
      uptimeS,
      venue: this.venue,
      backlog: this.o.outbox.backlog(),
      shed,
      devices,
      outputs,
      storage: status.storage,
      ...host,
    }));
  }

  telemetry(type: 'summary' | 'exception', from: number, to: number, channels: unknown[]): void {
    if (!channels.length) return;
    const id = this.o.newId();
    this.commit('telemetry', id, performance.now(), (seq) => ({
      ...this.envelope(id, seq, to),
      type,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      channels,
    }));
  }

  event(type: 'shed' | 'command' | 'clock' | 'config' | 'update', body: Record<string, unknown>): void {
    const id = this.o.newId();
    this.commit('event', id, performance.now(), (seq) => ({ ...this.envelope(id, seq, Date.now()), type, body, venue: this.venue }));
  }

  result(commandId: string, name: string | null, ok: boolean, reason: string | null, result?: unknown): void {
    // The result carries the command's id: a repeated command is answered with the same id.
    const msgId = `result:${commandId}:${this.o.newId()}`;
    this.commit('cmd/result', msgId, performance.now(), (seq) => ({
      ...this.envelope(commandId, seq, Date.now()),
      ok,
      reason,
      name,
      ...(result !== undefined ? { result } : {}),
    }));
  }
}
