// Detection over the whole venue: one ChannelMachine per channel of every device (and per dry-contact
// input), fed by the poller's readings and device statuses. Turns transitions into Events with stable
// ids. Still pure: ids and wall time come from the caller.

import type { Config, Profile, SignalKind } from '../../config/index.js';
import type { DecodedPoint } from '../../drivers/plan/codec.js';
import { ChannelMachine, type ChannelSnapshot, type ChannelState, type Observation, type Transition, type Verdict } from './channel-machine.js';
import { channelRules, isFireKind, type ChannelRules } from './rules.js';
import type { ChannelEvent } from '../events.js';

export type { ChannelEvent } from '../events.js';

/** One channel as linkage, the status page and resets see it. */
export interface ChannelInfo {
  device: string;
  channel: string;
  kind: SignalKind;
  state: ChannelState;
  latched: boolean;
  /** The device is in maintenance/test mode. */
  test: boolean;
  group?: string;
}

export interface ChannelRef {
  device: string;
  channel: string;
}

interface Channel {
  device: string;
  channel: string;
  machine: ChannelMachine;
  group?: string;
  /** Status points whose bits or labels give this channel the device's own verdicts. */
  verdictSources: { point: string; when: string; state: Verdict }[];
}

export interface DetectorOptions {
  newId: () => string;
  /** Persisted states (latched alarms) by "device/channel". */
  restored?: ReadonlyMap<string, ChannelSnapshot>;
}

/**
 * Which points are channels: every point with a signal kind that has thresholds or detector verdicts
 * (gas, residual current, temperature, smoke, smoke density), any point a status rule targets, and any
 * point the config gives thresholds. Settings registers and relay coils are not channels.
 */
export function channelPoints(profile: Profile, config: Config['devices'][number]): Map<string, ChannelRules> {
  const out = new Map<string, ChannelRules>();
  const targets = new Set<string>();
  for (const [name, p] of Object.entries(profile.points)) for (const s of p.states ?? []) targets.add(s.channel ?? name);
  for (const [name, p] of Object.entries(profile.points)) {
    const cfg = config.channels[name];
    if (cfg && !cfg.enabled) continue;
    const configured = cfg && (cfg.warning ?? cfg.alarm ?? cfg.lowWarning ?? cfg.lowAlarm) !== undefined;
    const detectable = ['gas', 'residual-current', 'temperature', 'smoke', 'smoke-density'].includes(p.kind) && !p.writable;
    if (detectable || targets.has(name) || configured) out.set(name, channelRules(p, cfg));
  }
  return out;
}

export class Detector {
  private readonly channels = new Map<string, Channel>();
  private readonly byDevice = new Map<string, Channel[]>();
  private readonly maintenance = new Set<string>();
  /** The last event of each channel, for what maintenance's end repeats. */
  private readonly lastEvents = new Map<string, ChannelEvent>();

  constructor(
    config: Config,
    profiles: Readonly<Record<string, Profile>>,
    private readonly options: DetectorOptions,
  ) {
    for (const d of config.devices) {
      const profile = profiles[d.profile];
      if (!profile) continue;
      if (d.maintenance) this.maintenance.add(d.id);
      for (const [name, rules] of channelPoints(profile, d)) {
        const verdictSources = Object.entries(profile.points).flatMap(([pointName, p]) =>
          (p.states ?? []).filter((s) => (s.channel ?? pointName) === name).map((s) => ({ point: pointName, when: s.when, state: s.state })),
        );
        this.add({ device: d.id, channel: name, machine: this.machine(d.id, name, rules), ...(d.group ? { group: d.group } : {}), verdictSources });
      }
    }
    for (const i of config.inputs.filter((x) => x.role === 'dry-contact')) {
      const rules: ChannelRules = { kind: i.kind, hysteresis: 0, onDelayMs: 0, latch: isFireKind(i.kind) || i.kind === 'gas' };
      this.add({
        device: i.id,
        channel: 'contact',
        machine: this.machine(i.id, 'contact', rules),
        ...(i.group ? { group: i.group } : {}),
        verdictSources: [{ point: 'contact', when: 'closed', state: i.state }],
      });
    }
  }

  private machine(device: string, channel: string, rules: ChannelRules): ChannelMachine {
    return new ChannelMachine(rules, this.options.restored?.get(`${device}/${channel}`));
  }

  private add(c: Channel): void {
    this.channels.set(`${c.device}/${c.channel}`, c);
    const list = this.byDevice.get(c.device) ?? [];
    list.push(c);
    this.byDevice.set(c.device, list);
  }

  list(): ChannelInfo[] {
    return [...this.channels.values()].map((c) => ({
      device: c.device,
      channel: c.channel,
      kind: c.machine.rules.kind,
      state: c.machine.state,
      latched: c.machine.latched,
      test: this.maintenance.has(c.device),
      ...(c.group ? { group: c.group } : {}),
    }));
  }

  get(ref: ChannelRef): { kind: SignalKind; state: ChannelState; latched: boolean; group?: string } | undefined {
    const c = this.channels.get(`${ref.device}/${ref.channel}`);
    return c ? { kind: c.machine.rules.kind, state: c.machine.state, latched: c.machine.latched, ...(c.group ? { group: c.group } : {}) } : undefined;
  }

  setMaintenance(device: string, on: boolean): boolean {
    if (!this.byDevice.has(device)) return false;
    if (on) this.maintenance.add(device);
    else this.maintenance.delete(device);
    return true;
  }

  /**
   * Maintenance of a device ended: each of its channels not normal now stands for real. Its last event
   * again, no longer flagged test, so the platform learns the alarm is real and linkage acts on it.
   */
  endMaintenance(device: string, at: number, mono: number): ChannelEvent[] {
    if (!this.maintenance.delete(device)) return [];
    const out: ChannelEvent[] = [];
    for (const c of this.byDevice.get(device) ?? []) {
      const last = this.lastEvents.get(`${c.device}/${c.channel}`);
      if (c.machine.state === 'normal' || !last) continue;
      const e: ChannelEvent = {
        ...last,
        id: this.options.newId(),
        previousState: c.machine.state,
        state: c.machine.state,
        latched: c.machine.latched,
        test: false,
        detail: `maintenance ended, the ${c.machine.state} stands: ${last.detail}`,
        at,
        mono,
      };
      this.lastEvents.set(`${c.device}/${c.channel}`, e);
      out.push(e);
    }
    return out;
  }

  /** The signal kinds of a device's channels (empty for an unknown device). */
  kindsOf(device: string): SignalKind[] {
    return [...new Set((this.byDevice.get(device) ?? []).map((c) => c.machine.rules.kind))];
  }

  inMaintenance(device: string): boolean {
    return this.maintenance.has(device);
  }

  /** A successful poll of a device. */
  reading(device: string, points: Readonly<Record<string, DecodedPoint>>, at: number, mono: number): ChannelEvent[] {
    const out: ChannelEvent[] = [];
    for (const c of this.byDevice.get(device) ?? []) {
      const point = points[c.channel];
      const verdicts = c.verdictSources
        .filter((s) => {
          const p = points[s.point];
          return p !== undefined && (p.bits?.[s.when] === true || p.label === s.when);
        })
        .map((s) => ({ state: s.state, source: `${s.point}.${s.when}` }));
      const o: Observation = { mono, ...(point ? { value: point.value } : {}), ...(verdicts.length ? { verdicts } : {}) };
      this.push(out, c, c.machine.observe(o), at, mono, point?.unit);
    }
    return out;
  }

  /** A device that could not be read: every channel observes why. */
  unreadable(device: string, reason: string, at: number, mono: number): ChannelEvent[] {
    const out: ChannelEvent[] = [];
    for (const c of this.byDevice.get(device) ?? []) this.push(out, c, c.machine.observe({ mono, unreadable: reason }), at, mono);
    return out;
  }

  /** A dry contact's level: closed means its configured state. */
  contact(input: string, closed: boolean, at: number, mono: number): ChannelEvent[] {
    const c = this.channels.get(`${input}/contact`);
    if (!c) return [];
    const out: ChannelEvent[] = [];
    const verdicts = closed ? c.verdictSources.map((s) => ({ state: s.state, source: 'contact closed' })) : [];
    this.push(out, c, c.machine.observe({ mono, value: closed, ...(verdicts.length ? { verdicts } : {}) }), at, mono);
    return out;
  }

  /**
   * Resets latched alarms. `source` remote (the platform) may reset fire alarms only; gas alarms need
   * a local reset on site. Returns the transitions and, per channel, why a reset was refused.
   */
  reset(
    scope: { device?: string; channel?: string },
    source: 'local' | 'remote',
    at: number,
    mono: number,
  ): { events: ChannelEvent[]; refused: { device: string; channel: string; reason: string }[] } {
    const events: ChannelEvent[] = [];
    const refused: { device: string; channel: string; reason: string }[] = [];
    for (const c of this.channels.values()) {
      if (scope.device !== undefined && c.device !== scope.device) continue;
      if (scope.channel !== undefined && c.channel !== scope.channel) continue;
      if (!c.machine.latched) continue;
      if (source === 'remote' && !isFireKind(c.machine.rules.kind)) {
        refused.push({ device: c.device, channel: c.channel, reason: `a ${c.machine.rules.kind} alarm is reset only on site (local reset), never remotely` });
        continue;
      }
      const r = c.machine.reset();
      if (!r.ok) refused.push({ device: c.device, channel: c.channel, reason: r.reason });
      else this.push(events, c, r.transition, at, mono);
    }
    return { events, refused };
  }

  /** What to persist: every channel's state and latch. */
  snapshot(): Map<string, ChannelSnapshot> {
    return new Map([...this.channels].map(([k, c]) => [k, c.machine.snapshot()]));
  }

  private push(out: ChannelEvent[], c: Channel, t: Transition | undefined, at: number, mono: number, unit?: string): void {
    if (!t) return;
    const e: ChannelEvent = {
      type: 'channel',
      id: this.options.newId(),
      device: c.device,
      channel: c.channel,
      kind: c.machine.rules.kind,
      state: t.state,
      previousState: t.previousState,
      reason: t.reason,
      detail: t.detail,
      latched: t.latched,
      test: this.maintenance.has(c.device),
      at,
      mono,
    };
    if (t.value !== undefined) e.value = t.value;
    if (t.threshold !== undefined) e.threshold = t.threshold;
    const u = unit ?? c.machine.rules.unit;
    if (u !== undefined) e.unit = u;
    this.lastEvents.set(`${c.device}/${c.channel}`, e);
    out.push(e);
  }
}
