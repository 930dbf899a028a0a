// The reference county platform: it consumes what the gateways publish (jx/v1/+/…), checks every message
// against the contract's own zod schemas, dedupes on `id`, tracks `seq` per gateway, knows which gateways
// are online, and turns alarms into cases with the lifecycle of the county regulation (cases.ts). People
// work the cases from the console (http.ts) or the JSON API; acknowledging sends `ack-alarm` to the box.
//
// Several replicas split one county's traffic through an MQTT 5 shared subscription ($share/<group>/…) and
// share one SQLite file (store.ts). The retained `status` is subscribed without sharing: a broker does not
// hand retained messages to shared subscriptions, and every replica wants to know who is online. Over an
// MQTT 3.1.1 broker (the demo's aedes) there is no sharing: one platform, plain subscriptions.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { PAYLOADS, type AlarmMessage, type CommandResult, type EventMessage } from '../../gateway/contract/messages.js';
import { acknowledge, close, DEFAULT_ESCALATION, escalate, onAlarmMessage, openCase, opensCase, tick, type Case, type EscalationRules } from './cases.js';
import { DispatchPlan } from './departments.js';
import { inspectionDue } from './inspection.js';
import { Rollout, type RolloutPlan, type RolloutView } from './rollout.js';
import { PlatformStore, type GatewayRow, type Violation } from './store.js';

export interface PlatformOptions {
  url: string;
  dataDir: string;
  /** Topic prefix before the gateway id (default `jx/v1/`). */
  prefix?: string;
  /** MQTT 5 with a shared subscription (default), or 4 (plain subscriptions; aedes). */
  protocolVersion?: 4 | 5;
  /** The shared subscription's group (default `platform`). */
  group?: string;
  clientId?: string;
  username?: string;
  password?: string;
  escalation?: EscalationRules;
  plan?: DispatchPlan;
  /** A gateway with no heartbeat this long is shown silent (default 3 × 60 s). */
  silentAfterS?: number;
  /** A seq hole not filled this long is a lost message (default 60 s: alarms go before events). */
  holeGraceS?: number;
  /** Tick of the rules (escalation by time, silence, holes); default 5 s. */
  tickMs?: number;
  now?: () => number;
}

/** What the console and the tests hear about: one line per thing a person cares about. */
export interface PlatformChange {
  at: number;
  what: 'case-opened' | 'case-updated' | 'gateway' | 'violation' | 'gap';
  text: string;
  case?: Case;
  gw?: string;
}

export type GatewayState = 'online' | 'silent' | 'offline';

const UP_TOPICS = ['alarm', 'event', 'heartbeat', 'telemetry', 'cmd/result'] as const;
type UpTopic = (typeof UP_TOPICS)[number] | 'status';

export class PlatformError extends Error {}

export class Platform extends EventEmitter<{ change: [PlatformChange] }> {
  readonly store: PlatformStore;
  private client: MqttClient | undefined;
  private readonly o: Required<Omit<PlatformOptions, 'clientId' | 'username' | 'password'>> & Pick<PlatformOptions, 'clientId' | 'username' | 'password'>;
  private timer: NodeJS.Timeout | undefined;
  private rolloutTimer: NodeJS.Timeout | undefined;
  private readonly rollouts = new Map<string, Rollout>();
  /** Per rollout: what to do when a box keeps what it was offered (the console updates its copy). */
  private readonly onKept = new Map<string, (gw: string) => void>();
  /** The gateways online at the last rollout tick: offers go only to them. */
  private onlineNow = new Set<string>();
  /** Heartbeat and telemetry ids seen lately (they are many and harmless when repeated: memory only). */
  private readonly recent = new Set<string>();
  readonly counts = { received: 0, duplicates: 0, violations: 0, byTopic: {} as Record<string, number> };
  /** Messages per second over the last ten seconds. */
  private readonly window: number[] = [];
  /** Alarm published at the gateway (its `at`) → case opened here, ms; the last 10 000. */
  private readonly latencies: { at: number; ms: number }[] = [];
  /** The platform's own event-loop delay: where an alarm → case figure's time went, if it went here. */
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(o: PlatformOptions) {
    super();
    this.o = {
      prefix: 'jx/v1/',
      protocolVersion: 5,
      group: 'platform',
      escalation: DEFAULT_ESCALATION,
      plan: new DispatchPlan(),
      silentAfterS: 180,
      holeGraceS: 60,
      tickMs: 5000,
      now: Date.now,
      ...o,
    };
    this.store = new PlatformStore(o.dataDir);
  }

  /** Connects and subscribes; resolves once the broker has granted the subscriptions. */
  async start(): Promise<void> {
    const o = this.o;
    const client = mqtt.connect(o.url, {
      protocolVersion: o.protocolVersion,
      clientId: o.clientId ?? `jx-platform-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      clean: true,
      reconnectPeriod: 1000,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    });
    this.client = client;
    client.on('message', (topic, payload) => this.handle(topic, payload));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(new PlatformError(`platform cannot connect to ${o.url}: ${err.message}`));
      client.once('error', fail);
      client.once('connect', () => {
        client.off('error', fail);
        resolve();
      });
    });
    client.on('error', () => undefined); // reconnects by itself; the console shows `connected`
    const shared = o.protocolVersion === 5 ? `$share/${o.group}/` : '';
    const topics = [...UP_TOPICS.map((t) => `${shared}${o.prefix}+/${t}`), `${o.prefix}+/status`];
    await client.subscribeAsync(topics, { qos: 1 });
    this.loop.enable();
    this.timer = setInterval(() => this.tick(), o.tickMs);
    this.timer.unref();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.rolloutTimer);
    this.loop.disable();
    await this.client?.endAsync().catch(() => undefined);
    this.store.close();
  }

  /** One message from the broker. Public for tests of the intake without a broker. */
  handle(topic: string, payload: Buffer): void {
    const now = this.o.now();
    this.counts.received++;
    this.window.push(now);
    const parsed = this.parseTopic(topic);
    if (!parsed) return this.violate({ at: now, topic, gw: null, reason: `topic outside ${this.o.prefix}<gateway>/<topic>` });
    const { gw, kind } = parsed;
    this.counts.byTopic[kind] = (this.counts.byTopic[kind] ?? 0) + 1;
    if (kind === 'status') {
      const text = payload.toString();
      if (text !== 'online' && text !== 'offline')
        return this.violate({ at: now, topic, gw, reason: `status must be "online" or "offline", got ${JSON.stringify(text.slice(0, 40))}` });
      this.store.setStatus(gw, text === 'online', now);
      this.emitChange({ at: now, what: 'gateway', gw, text: `${gw} ${text}` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch (err) {
      return this.violate({ at: now, topic, gw, reason: `not JSON: ${(err as Error).message}` });
    }
    const checked = PAYLOADS[kind].safeParse(json);
    if (!checked.success) {
      const first = checked.error.issues[0];
      const where = first?.path.length ? first.path.join('.') : '(payload)';
      return this.violate({ at: now, topic, gw, reason: `${where}: ${first?.message ?? 'invalid'}` });
    }
    const m = checked.data as { id: string; gw: string; seq: number; boot: string };
    if (m.gw !== gw) return this.violate({ at: now, topic, gw, reason: `gw "${m.gw}" in the payload, "${gw}" in the topic` });
    if (kind === 'heartbeat' || kind === 'telemetry') {
      if (this.recent.has(m.id)) return void this.counts.duplicates++;
      this.recent.add(m.id);
      if (this.recent.size > 50_000) this.recent.delete(this.recent.values().next().value as string);
    }
    const changes: PlatformChange[] = [];
    this.store.tx(() => {
      if ((kind === 'alarm' || kind === 'event' || kind === 'cmd/result') && !this.store.firstSeen(m.id, now)) {
        this.counts.duplicates++;
        return;
      }
      const venue = (checked.data as { venue?: AlarmMessage['venue'] }).venue;
      this.store.touch(gw, venue?.id ?? null, now);
      if (venue) this.store.venue({ id: venue.id, gw, adminCode: venue.adminCode, category: venue.category, risk: venue.risk });
      if (kind === 'alarm' || kind === 'event') {
        const note = this.store.seq(gw, m.boot, m.seq, now);
        if (note) changes.push({ at: now, what: 'gap', gw, text: `${gw}: ${note}` });
      }
      if (kind === 'alarm') changes.push(...this.onAlarm(checked.data as AlarmMessage, now));
      else if (kind === 'event') changes.push(...this.onEvent(checked.data as EventMessage, now));
      else if (kind === 'heartbeat') this.store.heartbeat(gw, now, (checked.data as { version: string }).version);
      else if (kind === 'cmd/result') changes.push(...this.onResult(checked.data as CommandResult, now));
    });
    for (const c of changes) this.emitChange(c);
  }

  private parseTopic(topic: string): { gw: string; kind: UpTopic } | null {
    if (!topic.startsWith(this.o.prefix)) return null;
    const rest = topic.slice(this.o.prefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return null;
    const kind = rest.slice(slash + 1);
    if (kind !== 'status' && !(UP_TOPICS as readonly string[]).includes(kind)) return null;
    return { gw: rest.slice(0, slash), kind: kind as UpTopic };
  }

  private onAlarm(m: AlarmMessage, now: number): PlatformChange[] {
    const c = this.store.getCase(m.alarmId);
    if (!c) {
      if (!opensCase(m)) return []; // a clearing of an alarm the platform never saw open
      const opened = openCase(m, this.store.nextCaseNo(), now, this.o.escalation, this.o.plan);
      this.store.putCase(opened);
      if (!m.reannounce && m.clock === 'synced') {
        this.latencies.push({ at: now, ms: now - Date.parse(m.at) });
        if (this.latencies.length > 10_000) this.latencies.shift();
      }
      const where = opened.status === 'escalated' ? `county centre → ${opened.department}` : `township ${opened.timeline[1]?.text.replace('township ', '')}`;
      return [
        { at: now, what: 'case-opened', case: opened, gw: m.gw, text: `case ${opened.no}: ${m.state} ${m.kind} at ${m.venue.id} (${m.venue.risk}) → ${where}` },
      ];
    }
    const before = c.timeline.length;
    if (!onAlarmMessage(c, m, now, this.o.escalation, this.o.plan)) return [];
    this.store.putCase(c);
    const added = c.timeline.slice(before).map((s) => s.text);
    return [{ at: now, what: 'case-updated', case: c, gw: m.gw, text: `case ${c.no}: ${added.join('; ')}` }];
  }

  private onEvent(m: EventMessage, now: number): PlatformChange[] {
    if (m.type === 'config' || m.type === 'update') {
      const state = m.body.state;
      const kind = m.type === 'config' ? 'config' : 'software';
      if (state === 'kept' || state === 'rolled-back' || state === 'failed')
        for (const r of this.rollouts.values()) {
          if (r.plan.kind === kind && r.outcome(m.gw, state, String(m.body.reason ?? ''), now) && state === 'kept') this.onKept.get(r.plan.id)?.(m.gw);
        }
      return [];
    }
    if (m.type !== 'ack') return [];
    const alarmId = m.body.alarmId;
    const c = typeof alarmId === 'string' ? this.store.getCase(alarmId) : undefined;
    if (!c) return [];
    c.timeline.push({ at: now, kind: 'state', by: 'gateway', text: `the gateway recorded the acknowledgement${m.body.by ? ` by ${String(m.body.by)}` : ''}` });
    this.store.putCase(c);
    return [{ at: now, what: 'case-updated', case: c, gw: m.gw, text: `case ${c.no}: acknowledged at the gateway` }];
  }

  private onResult(m: CommandResult, now: number): PlatformChange[] {
    if ((m.name === 'apply-config' || m.name === 'update') && m.id.startsWith('rollout:')) {
      this.rollouts.get(m.id.split(':')[1] as string)?.answered(m.gw, m.ok, m.reason, now, (m.result as { state?: unknown } | undefined)?.state);
      return [];
    }
    if (m.name !== 'ack-alarm' || !m.id.startsWith('ack:')) return [];
    const c = this.store.getCase(m.id.slice(4));
    if (!c) return [];
    c.timeline.push({
      at: now,
      kind: 'state',
      by: 'gateway',
      text: m.ok ? 'ack-alarm confirmed by the gateway: re-announcements stop' : `ack-alarm refused by the gateway: ${m.reason ?? ''}`,
    });
    this.store.putCase(c);
    return [{ at: now, what: 'case-updated', case: c, gw: m.gw, text: `case ${c.no}: ack-alarm ${m.ok ? 'confirmed' : 'refused'} by ${m.gw}` }];
  }

  private violate(v: Violation): void {
    this.counts.violations++;
    this.store.violation(v);
    this.emitChange({ at: v.at, what: 'violation', ...(v.gw ? { gw: v.gw } : {}), text: `contract violation on ${v.topic}: ${v.reason}` });
  }

  private emitChange(c: PlatformChange): void {
    this.emit('change', c);
  }

  /** A person's action on a case, by its number (C-000042). */
  act(no: string, action: 'acknowledge' | 'escalate' | 'close', by: string, text = ''): Case {
    const now = this.o.now();
    const c = this.store.tx(() => {
      const found = this.store.caseByNo(no);
      if (!found) throw new PlatformError(`no case ${no}`);
      if (action === 'acknowledge') acknowledge(found, now, by);
      else if (action === 'escalate') escalate(found, now, by, text.trim() || 'the township cannot solve it', this.o.plan);
      else close(found, now, by, text);
      this.store.putCase(found);
      return found;
    });
    if (action === 'acknowledge') this.sendAck(c, by);
    this.emitChange({ at: now, what: 'case-updated', case: c, gw: c.gw, text: `case ${c.no}: ${c.timeline.at(-1)?.text ?? action}` });
    return c;
  }

  /** `ack-alarm` to the gateway (QoS 1): it stops re-announcing; its answer lands in the case's timeline. */
  private sendAck(c: Case, by: string): void {
    const cmd = { id: `ack:${c.alarmId}`, name: 'ack-alarm', args: { alarmId: c.alarmId, by: by.slice(0, 64) } };
    this.client?.publish(`${this.o.prefix}${c.gw}/cmd`, JSON.stringify(cmd), { qos: 1 });
  }

  inspected(venueId: string, at: number): void {
    if (!this.store.inspected(venueId, at)) throw new PlatformError(`no venue ${venueId}`);
    this.emitChange({ at: this.o.now(), what: 'gateway', text: `venue ${venueId} inspected` });
  }

  /**
   * Starts a config rollout (rollout.ts): `config(gw)` is the config text each box is offered (one per box:
   * each venue's config differs). Returns its id; `rollout(id)` shows how it goes.
   */
  startRollout(plan: Omit<RolloutPlan, 'id' | 'kind'> & { id?: string; config: (gw: string) => string; kept?: (gw: string) => void }): string {
    const { kept, ...rest } = plan;
    const id = this.launch({ ...rest, kind: 'config' }, (gw) => {
      const text = plan.config(gw);
      const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
      return { name: 'apply-config', args: { version: plan.version, sha256, config: text, probationS: plan.probationS } };
    });
    if (kept) this.onKept.set(id, kept);
    return id;
  }

  /**
   * Starts a software rollout: every box is offered the same signed release (`update`), fetched from
   * `release.url` (this platform serves its releases folder: console.ts). A box has `downloadS` to fetch
   * it and `healthS` from its switch to be healthy before it counts as timed out.
   */
  startUpdateRollout(
    plan: Omit<RolloutPlan, 'id' | 'kind' | 'version' | 'probationS'> & {
      id?: string;
      release: { manifest: string; signature: string; url: string };
      healthS: number;
      downloadS: number;
    },
  ): string {
    let version: string;
    try {
      version = String((JSON.parse(plan.release.manifest) as { version?: unknown }).version);
    } catch {
      throw new PlatformError('the release manifest is not JSON');
    }
    const { release, healthS, downloadS, ...rest } = plan;
    return this.launch({ ...rest, kind: 'software', version, probationS: downloadS + healthS }, () => ({
      name: 'update',
      args: { manifest: release.manifest, signature: release.signature, url: release.url, healthS },
    }));
  }

  private launch(plan: Omit<RolloutPlan, 'id'> & { id?: string }, offer: (gw: string) => { name: string; args: Record<string, unknown> }): string {
    const id = plan.id ?? `R${this.rollouts.size + 1}`;
    if (this.rollouts.has(id)) throw new PlatformError(`rollout ${id} exists already`);
    const r = new Rollout(
      { ...plan, id, online: (gw) => this.onlineNow.has(gw) },
      (gw) => {
        const cmd = { id: `rollout:${id}:${gw}`, ...offer(gw) };
        this.client?.publish(`${this.o.prefix}${gw}/cmd`, JSON.stringify(cmd), { qos: 1 });
      },
      this.o.now(),
    );
    this.rollouts.set(id, r);
    this.rolloutTimer ??= setInterval(() => this.tickRollouts(), 100);
    this.emitChange({
      at: this.o.now(),
      what: 'gateway',
      text: `rollout ${id}: ${plan.kind} ${plan.version} to ${plan.gateways.length} gateways in ${plan.waves.length} waves`,
    });
    return id;
  }

  rollout(id: string): (RolloutView & { boxes: readonly { gw: string; state: string; reason?: string }[] }) | undefined {
    const r = this.rollouts.get(id);
    return r ? { ...r.view(), boxes: r.boxesView() } : undefined;
  }

  /** The gateways whose retained status says online. */
  online(): Set<string> {
    return new Set(
      this.store
        .gateways()
        .filter((g) => g.online)
        .map((g) => g.gw),
    );
  }

  rolloutViews(): RolloutView[] {
    return [...this.rollouts.values()].map((r) => r.view());
  }

  /** Rollouts move on their own clock (every 100 ms: their rate is per second, not per platform tick). */
  private tickRollouts(): void {
    const now = this.o.now();
    this.onlineNow = this.online();
    for (const r of this.rollouts.values()) {
      const before = r.view().state;
      r.tick(now);
      const v = r.view();
      if (v.state !== before) this.emitChange({ at: now, what: 'gateway', text: `rollout ${v.id}: ${v.state}${v.reason ? ` (${v.reason})` : ''}` });
    }
  }

  /** The rules that run on time: escalation of cases left open, silent gateways, holes become losses. */
  tick(): void {
    const now = this.o.now();
    const changes: PlatformChange[] = [];
    this.store.tx(() => {
      for (const c of this.store.openCases()) {
        if (tick(c, now, this.o.escalation, this.o.plan)) {
          this.store.putCase(c);
          changes.push({
            at: now,
            what: 'case-updated',
            case: c,
            gw: c.gw,
            text: `case ${c.no}: escalated, not closed after ${this.o.escalation.openMinutes} min → ${c.department}`,
          });
        }
      }
      const lost = this.store.expireHoles(now, this.o.holeGraceS * 1000);
      const per = new Map<string, number[]>();
      for (const h of lost) per.set(h.gw, [...(per.get(h.gw) ?? []), h.seq]);
      for (const [gw, seqs] of per)
        changes.push({ at: now, what: 'gap', gw, text: `${gw}: seq ${seqs.slice(0, 10).join(', ')}${seqs.length > 10 ? ' …' : ''} never arrived` });
    });
    for (const c of changes) this.emitChange(c);
  }

  gatewayState(g: GatewayRow, now = this.o.now()): GatewayState {
    if (!g.online) return 'offline';
    const last = g.lastHeartbeat ?? g.statusAt;
    return now - last > this.o.silentAfterS * 1000 ? 'silent' : 'online';
  }

  /** Messages per second over the last ten seconds. */
  rate(now = this.o.now()): number {
    while (this.window.length && (this.window[0] as number) < now - 10_000) this.window.shift();
    return this.window.length / 10;
  }

  /** Alarm at the gateway → case opened at the platform (ms): p50, p99, max over the last 10 000. */
  alarmLatency(since = 0): { n: number; p50: number | null; p99: number | null; max: number | null } {
    const sorted = this.latencies
      .filter((l) => l.at >= since)
      .map((l) => l.ms)
      .sort((a, b) => a - b);
    const q = (f: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] as number) : null);
    return { n: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.length ? (sorted.at(-1) as number) : null };
  }

  /** Everything the console shows, as data (GET /api/overview); venues: the first `venueLimit` by id. */
  overview(venueLimit = 300, latencySince = 0): Overview {
    const now = this.o.now();
    const gateways = this.store.gateways().map((g) => ({ ...g, state: this.gatewayState(g, now) }));
    const gwState = new Map(gateways.map((g) => [g.gw, g.state]));
    const all = this.store.venues();
    const byRisk: Record<string, number> = {};
    for (const v of all) byRisk[v.risk] = (byRisk[v.risk] ?? 0) + 1;
    const venues = all
      .slice(0, venueLimit)
      .map((v) => ({ ...v, state: gwState.get(v.gw) ?? 'offline', inspectionDue: inspectionDue(v.risk, v.lastInspection, now) }));
    const open = this.store.openCases();
    const byTownship: Record<string, { township: number; county: number }> = {};
    for (const c of open) {
      const t = (byTownship[c.adminCode.slice(0, 9)] ??= { township: 0, county: 0 });
      if (c.escalatedAt === null) t.township++;
      else t.county++;
    }
    return {
      now,
      connected: this.connected,
      intake: {
        ...this.counts,
        ratePerS: this.rate(now),
        gaps: this.store.holes().length,
        lost: gateways.reduce((a, g) => a + g.lost, 0),
        alarmLatencyMs: this.alarmLatency(latencySince),
        loopDelayMaxMs: Math.round(this.loop.max / 1e6),
      },
      gateways: {
        total: gateways.length,
        online: gateways.filter((g) => g.state === 'online').length,
        silent: gateways.filter((g) => g.state === 'silent').length,
        // What the fleet runs, by the last heartbeat of each box: a rollout moves these.
        versions: gateways.reduce<Record<string, number>>((a, g) => {
          const v = g.version ?? 'unknown';
          a[v] = (a[v] ?? 0) + 1;
          return a;
        }, {}),
      },
      venues,
      venueCount: all.length,
      venuesByRisk: byRisk,
      openCases: open,
      byTownship,
      recentCases: this.store.recentCases(50),
      violations: this.store.violations(20),
      plan: this.o.plan.table(),
    };
  }
}

export interface Overview {
  now: number;
  connected: boolean;
  intake: Platform['counts'] & { ratePerS: number; gaps: number; lost: number; alarmLatencyMs: ReturnType<Platform['alarmLatency']>; loopDelayMaxMs: number };
  gateways: { total: number; online: number; silent: number; versions: Record<string, number> };
  venues: (ReturnType<PlatformStore['venues']>[number] & { state: GatewayState; inspectionDue: number })[];
  venueCount: number;
  venuesByRisk: Record<string, number>;
  openCases: Case[];
  byTownship: Record<string, { township: number; county: number }>;
  recentCases: Case[];
  violations: Violation[];
  plan: ReturnType<DispatchPlan['table']>;
}
