// A fleet of simulated gateways: N lightweight MQTT clients that speak the exact contract (retained status
// `online` with the `offline` will, heartbeats, telemetry summaries, alarms at a fleet-wide rate, commands
// answered), each with its own id, venue, adminCode (spread over several townships) and risk colour. It
// is what a county's worth of boxes does to a broker and a platform, without a gateway process each.
//
// One scheduler turn every 100 ms walks the gateways whose heartbeat or telemetry is due, instead of
// 2 × N timers. Connections are opened at a bounded rate (a broker is not a thundering herd's friend,
// nor is a real county: boxes come up over minutes).

import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { VENUE_CATEGORIES, type RiskColour, type VenueCategory } from '../../config/index.js';
import { PAYLOADS, SCHEMA_VERSION } from '../../gateway/contract/messages.js';

export interface FleetOptions {
  url: string;
  gateways: number;
  prefix?: string;
  /** First gateway number (several fleet processes split a big fleet). */
  first?: number;
  protocolVersion?: 4 | 5;
  heartbeatS?: number;
  telemetryS?: number;
  /** Alarms per second over the whole fleet (each clears 30 s later). */
  alarmRate?: number;
  /** Connections opened per second. */
  connectRate?: number;
  /** Townships the venues spread over (adminCode 500242101000, 500242102000, …). */
  townships?: number;
  /** Gateways that break the contract on purpose (a bad field in every alarm and heartbeat). */
  malformed?: number;
  /** Milliseconds an alarm stays before it clears. */
  clearAfterMs?: number;
  /**
   * How the gateways take a config from the platform (`apply-config`): shares of the fleet that refuse it,
   * roll it back after their probation, or never answer (the rest keep it after `keepAfterMs`). Which
   * gateways fail is fixed by their number, so a run is repeatable.
   */
  configFailures?: { refuse?: number; rollBack?: number; silent?: number };
  /** Milliseconds from an accepted config to its `kept` event (and from an accepted update to its outcome). */
  keepAfterMs?: number;
  /**
   * How the gateways take a software release (`update`): shares that refuse it, crash on the new version
   * (and come back on the old one by themselves), never answer, or lose the link mid-download (the update
   * fails, nothing changed). The rest keep it. By gateway number, like `configFailures`.
   */
  updateFailures?: { refuse?: number; crash?: number; silent?: number; dropLink?: number };
}

interface SimGateway {
  id: string;
  n: number;
  client: MqttClient | undefined;
  connected: boolean;
  boot: string;
  seq: number;
  hbSeq: number;
  telSeq: number;
  resSeq: number;
  venue: { id: string; adminCode: string; category: VenueCategory; risk: RiskColour };
  malformed: boolean;
  /** The software version it says in its heartbeat: a kept update changes it. */
  version: string;
  nextHeartbeat: number;
  nextTelemetry: number;
  openAlarm: { alarmId: string; clearAt: number } | undefined;
  /** The alarm raised last: an acknowledgement may land after a short alarm has cleared. */
  lastAlarmId: string | undefined;
  started: number;
}

export interface FleetStats {
  gateways: number;
  connected: number;
  connects: number;
  published: Record<string, number>;
  commands: number;
  errors: number;
  lastError: string | null;
}

/** Risk mix of a county's small venues: mostly yellow, some orange, few red and blue. */
const RISK_MIX: RiskColour[] = ['red', 'orange', 'orange', 'orange', 'yellow', 'yellow', 'yellow', 'yellow', 'yellow', 'blue'];

export class Fleet {
  readonly stats: FleetStats;
  private readonly gws: SimGateway[] = [];
  private readonly o: Required<FleetOptions>;
  private timer: NodeJS.Timeout | undefined;
  private connecting: NodeJS.Timeout | undefined;
  private alarmCredit = 0;
  private lastTurn = performance.now();

  constructor(o: FleetOptions) {
    if (!Number.isInteger(o.gateways) || o.gateways < 1) throw new Error(`gateways must be a whole number ≥ 1, got ${o.gateways}`);
    this.o = {
      prefix: 'jx/v1/',
      first: 1,
      protocolVersion: 5,
      heartbeatS: 60,
      telemetryS: 60,
      alarmRate: 0,
      connectRate: 500,
      townships: 8,
      malformed: 0,
      clearAfterMs: 30_000,
      configFailures: {},
      updateFailures: {},
      keepAfterMs: 500,
      ...o,
    };
    this.stats = { gateways: o.gateways, connected: 0, connects: 0, published: {}, commands: 0, errors: 0, lastError: null };
    for (let i = 0; i < o.gateways; i++) {
      const n = this.o.first + i;
      const id = `GW-FLEET-${String(n).padStart(6, '0')}`;
      const township = 1 + (n % this.o.townships);
      this.gws.push({
        id,
        n,
        version: 'fleet',
        client: undefined,
        connected: false,
        boot: randomUUID(),
        seq: 0,
        hbSeq: 0,
        telSeq: 0,
        resSeq: 0,
        venue: {
          id: `V-FLEET-${String(n).padStart(6, '0')}`,
          adminCode: `500242${String(100 + township).padStart(3, '0')}000`,
          category: VENUE_CATEGORIES[n % VENUE_CATEGORIES.length] as VenueCategory,
          risk: RISK_MIX[(n * 7) % RISK_MIX.length] as RiskColour,
        },
        malformed: i < this.o.malformed,
        nextHeartbeat: 0,
        nextTelemetry: 0,
        openAlarm: undefined,
        lastAlarmId: undefined,
        started: Date.now(),
      });
    }
  }

  /** Opens the connections at the connect rate; resolves once every gateway has connected once (or `timeoutMs`). */
  async start(timeoutMs = 600_000): Promise<void> {
    const perTurn = Math.max(1, Math.round(this.o.connectRate / 10));
    let next = 0;
    // Gateways beat as soon as they are connected, while the rest still connect.
    this.timer = setInterval(() => this.turn(), 100);
    await new Promise<void>((resolve) => {
      const end = Date.now() + timeoutMs;
      this.connecting = setInterval(() => {
        for (let k = 0; k < perTurn && next < this.gws.length; k++) this.connect(this.gws[next++] as SimGateway);
        if ((next >= this.gws.length && this.stats.connected >= this.gws.length) || Date.now() > end) {
          clearInterval(this.connecting);
          resolve();
        }
      }, 100);
    });
  }

  private connect(g: SimGateway): void {
    const client = mqtt.connect(this.o.url, {
      clientId: g.id,
      protocolVersion: this.o.protocolVersion,
      clean: true,
      keepalive: 120,
      reconnectPeriod: 2000 + Math.floor(Math.random() * 3000),
      connectTimeout: 30_000,
      will: { topic: this.topic(g, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    g.client = client;
    client.on('connect', () => {
      g.connected = true;
      this.stats.connected++;
      this.stats.connects++;
      client.publish(this.topic(g, 'status'), 'online', { qos: 1, retain: true });
      client.subscribe(this.topic(g, 'cmd'), { qos: 1 });
      const now = Date.now();
      // Spread the first heartbeats over the interval: a county's boxes did not all boot in the same second.
      g.nextHeartbeat = now + Math.random() * this.o.heartbeatS * 1000;
      g.nextTelemetry = now + Math.random() * this.o.telemetryS * 1000;
    });
    client.on('close', () => {
      if (g.connected) this.stats.connected--;
      g.connected = false;
    });
    client.on('error', (err) => {
      this.stats.errors++;
      this.stats.lastError = err.message;
    });
    client.on('message', (_topic, payload) => this.command(g, payload));
  }

  private topic(g: SimGateway, t: string): string {
    return `${this.o.prefix}${g.id}/${t}`;
  }

  private publish(g: SimGateway, t: 'alarm' | 'event' | 'heartbeat' | 'telemetry' | 'cmd/result', body: Record<string, unknown>): void {
    if (!g.client || !g.connected) return;
    this.stats.published[t] = (this.stats.published[t] ?? 0) + 1;
    g.client.publish(this.topic(g, t), JSON.stringify(body), { qos: 1 });
  }

  private envelope(g: SimGateway, seq: number, id = randomUUID()) {
    return { v: SCHEMA_VERSION, id, gw: g.id, seq, at: new Date().toISOString(), clock: 'synced' as const, boot: g.boot };
  }

  /** One scheduler turn: heartbeats and telemetry that are due, alarms at the fleet rate, clearings. */
  private turn(): void {
    const now = Date.now();
    const mono = performance.now();
    this.alarmCredit += (this.o.alarmRate * (mono - this.lastTurn)) / 1000;
    this.lastTurn = mono;
    for (const g of this.gws) {
      if (!g.connected) continue;
      if (now >= g.nextHeartbeat) {
        g.nextHeartbeat = this.next(g.nextHeartbeat, this.o.heartbeatS, now);
        this.heartbeat(g, now);
      }
      if (now >= g.nextTelemetry) {
        g.nextTelemetry = this.next(g.nextTelemetry, this.o.telemetryS, now);
        this.telemetry(g, now);
      }
      if (g.openAlarm && now >= g.openAlarm.clearAt) this.alarm(g, 'normal');
    }
    let guard = this.gws.length;
    while (this.alarmCredit >= 1 && guard-- > 0) {
      const g = this.gws[Math.floor(Math.random() * this.gws.length)] as SimGateway;
      if (!g.connected || g.openAlarm) continue;
      this.alarmCredit -= 1;
      this.alarm(g, 'alarm');
    }
  }

  /**
   * The next due time, keeping each gateway's own phase: `now + interval` would line every gateway that
   * was overdue (all of them, after a connect ramp longer than the interval) up on the same 100 ms turn,
   * and the whole fleet would then beat at once, every interval — a wave no real county makes.
   */
  private next(due: number, intervalS: number, now: number): number {
    const next = due + intervalS * 1000;
    return next > now ? next : now + Math.random() * intervalS * 1000;
  }

  private heartbeat(g: SimGateway, now: number): void {
    g.hbSeq++;
    this.publish(g, 'heartbeat', {
      ...this.envelope(g, g.hbSeq),
      version: g.version,
      uptimeS: Math.round((now - g.started) / 1000),
      venue: g.malformed ? { ...g.venue, risk: 'purple' } : g.venue,
      backlog: { alarm: 0, event: 0, heartbeat: 0, telemetry: 0 },
      shed: { rows: 0, bytes: 0 },
      devices: [{ id: 'gas', online: true, reason: 'ok' }],
      outputs: [{ id: 'gas-valve', level: g.openAlarm ? 'off' : 'on', ok: true, desired: g.openAlarm ? 'off' : 'on' }],
      storage: { ok: true, failures: 0, lastError: null, unrecorded: 0, unsaved: false },
      cpuTempC: 48,
      diskFreeMB: 20_000,
    });
  }

  private telemetry(g: SimGateway, now: number): void {
    g.telSeq++;
    const v = Math.round(Math.random() * 30) / 10;
    this.publish(g, 'telemetry', {
      ...this.envelope(g, g.telSeq),
      type: 'summary',
      from: new Date(now - this.o.telemetryS * 1000).toISOString(),
      to: new Date(now).toISOString(),
      channels: [{ device: 'gas', channel: 'lel', unit: '%LEL', min: 0, avg: v, max: v, last: v, n: this.o.telemetryS }],
    });
  }

  private alarm(g: SimGateway, state: 'alarm' | 'normal'): void {
    g.seq++;
    const id = randomUUID();
    const alarmId = state === 'alarm' ? id : (g.openAlarm?.alarmId ?? id);
    const body = {
      ...this.envelope(g, g.seq, id),
      type: 'channel',
      alarmId,
      device: 'gas',
      channel: 'lel',
      kind: 'gas',
      state: g.malformed ? 'burning' : state,
      previousState: state === 'alarm' ? 'normal' : 'alarm',
      reason: state === 'alarm' ? 'threshold' : 'cleared',
      detail: state === 'alarm' ? '32 ≥ alarm 25' : '2 < warning 10',
      value: state === 'alarm' ? 32 : 2,
      threshold: state === 'alarm' ? 25 : null,
      unit: '%LEL',
      latched: false,
      test: false,
      reannounce: false,
      venue: g.venue,
    };
    if (state === 'alarm') {
      g.openAlarm = { alarmId, clearAt: Date.now() + this.o.clearAfterMs };
      g.lastAlarmId = alarmId;
    } else g.openAlarm = undefined;
    this.publish(g, 'alarm', body);
  }

  /** A command from the platform: answered on cmd/result; ack-alarm also makes the `ack` event. */
  private command(g: SimGateway, payload: Buffer): void {
    this.stats.commands++;
    let cmd: { id: string; name: string; args: Record<string, unknown> } | undefined;
    try {
      const parsed = PAYLOADS.cmd.safeParse(JSON.parse(payload.toString()));
      if (parsed.success) cmd = parsed.data;
    } catch {
      cmd = undefined;
    }
    if (!cmd) return;
    let ok = true;
    let reason: string | null = null;
    if (cmd.name === 'ack-alarm') {
      const alarmId = cmd.args.alarmId;
      if (alarmId === g.lastAlarmId) {
        g.seq++;
        this.publish(g, 'event', {
          ...this.envelope(g, g.seq),
          type: 'ack',
          body: { alarmId, by: cmd.args.by ?? null, device: 'gas', channel: 'lel' },
          venue: g.venue,
        });
      } else {
        ok = false;
        reason = `no open alarm with id "${String(alarmId).slice(0, 80)}"`;
      }
    }
    let result: Record<string, unknown> | undefined;
    if (cmd.name === 'apply-config') {
      const how = this.configFate(g);
      if (how === 'silent') return;
      const probationS = Number(cmd.args.probationS ?? 60);
      const version = String(cmd.args.version);
      if (how === 'refuse') {
        ok = false;
        reason = 'config refused: 1 error, first devices[0].slaveId: slave id 0 is the broadcast address';
      } else {
        result = { state: 'probation', n: 2, probationS };
        const state = how === 'roll-back' ? 'rolled-back' : 'kept';
        const why = how === 'roll-back' ? 'not acting within its probation: device kitchen-gas not answering (timeout)' : 'acting within its probation';
        setTimeout(
          () => this.configEvent(g, state, version, why),
          how === 'roll-back' ? Math.min(probationS * 1000, 2 * this.o.keepAfterMs) : this.o.keepAfterMs,
        ).unref();
      }
    }
    if (cmd.name === 'update') {
      const u = this.o.updateFailures;
      const how = this.fate(g, [
        ['refuse', u.refuse],
        ['crash', u.crash],
        ['silent', u.silent],
        ['drop', u.dropLink],
      ]);
      if (how === 'silent') return;
      let version = '?';
      try {
        version = String((JSON.parse(String(cmd.args.manifest)) as { version?: unknown }).version);
      } catch {
        // answered below like a box would: the manifest decides nothing then
      }
      if (how === 'refuse') {
        ok = false;
        reason = 'the release is not signed by a key this gateway trusts (or was changed after signing)';
        result = { code: 'badSignature' };
      } else {
        result = { state: 'downloading', version };
        const outcome: Record<string, [string, string]> = {
          keep: ['kept', 'healthy: every device answered, outputs confirmed, uplink connected'],
          crash: ['rolled-back', 'not healthy after 3 starts'],
          drop: ['failed', 'chunk 3 of 9: link dropped after 32768 of 65536 bytes (6 attempts)'],
        };
        const [state, why] = outcome[how] as [string, string];
        setTimeout(() => this.updateEvent(g, state, version, why), how === 'keep' ? this.o.keepAfterMs : 2 * this.o.keepAfterMs).unref();
      }
    }
    g.resSeq++;
    this.publish(g, 'cmd/result', { ...this.envelope(g, g.resSeq), id: cmd.id, ok, reason, name: cmd.name, ...(result ? { result } : {}) });
  }

  /** What a gateway does with a config from the platform, by its number (repeatable runs). */
  private configFate(g: SimGateway): 'keep' | 'refuse' | 'roll-back' | 'silent' {
    const f = this.o.configFailures;
    return this.fate(g, [
      ['refuse', f.refuse],
      ['roll-back', f.rollBack],
      ['silent', f.silent],
    ]);
  }

  /** Which of the shares a gateway falls in, by its number; `keep` beyond them all. */
  private fate<T extends string>(g: SimGateway, shares: [T, number | undefined][]): T | 'keep' {
    // Spread over the fleet (not the first N), so each wave of a rollout meets its share.
    const x = ((g.n * 2654435761) % 1000) / 1000;
    let upTo = 0;
    for (const [name, share] of shares) {
      upTo += share ?? 0;
      if (x < upTo) return name;
    }
    return 'keep';
  }

  private updateEvent(g: SimGateway, state: string, version: string, reason: string): void {
    if (state === 'kept') {
      g.version = version;
      // A kept version restarted the box: the platform hears the new version at once.
      this.heartbeat(g, Date.now());
    }
    g.seq++;
    this.publish(g, 'event', { ...this.envelope(g, g.seq), type: 'update', body: { state, version, from: 'sim', reason }, venue: g.venue });
  }

  private configEvent(g: SimGateway, state: 'kept' | 'rolled-back', version: string, reason: string): void {
    g.seq++;
    this.publish(g, 'event', { ...this.envelope(g, g.seq), type: 'config', body: { state, version, reason, by: 'platform' }, venue: g.venue });
  }

  /** Publishes the retained `offline` and disconnects everyone. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.connecting);
    await Promise.all(
      this.gws.map(async (g) => {
        const c = g.client;
        if (!c) return;
        if (c.connected) await c.publishAsync(this.topic(g, 'status'), 'offline', { qos: 1, retain: true }).catch(() => undefined);
        await c.endAsync().catch(() => undefined);
      }),
    );
  }
}
