// Local linkage (联动): what every output should be now, from the channels' states, with no network
// involved. Pure: it decides, the output reconciler acts.
//
// The decision is a function of the present, not of the events that led to it: every output's desired
// level is derived again from the current channel states on every evaluation. So a restart in the middle
// of an alarm (channel states restored from SQLite) demands the same outputs as before it, a failed
// write is simply still demanded, and leaving maintenance re-evaluates what the channels say.
//
// - A rule holds its outputs while a matching channel is in the rule's state (a warning rule also holds
//   through alarm). When no rule holds an output, it is at its safe state. When two rules hold one
//   output with different actions, the first rule in the config wins.
// - A gas valve closed by linkage stays closed (a latch) until a local reset on site (GB 50028
//   "automatic close, manual open"); it is never reopened by a remote command (invariant 6). Every
//   valve's safe state is closed (check-config), so valves are closed at start as well.
// - A stop (for a restart, an update) leaves valves closed and every other output as the channels
//   demand it then (`atStop`): it never switches off the fan of a standing gas alarm.
// - A device in maintenance/test mode (检修/测试) holds nothing, unless the installer asked for a linkage
//   test on it.
// - `silence` turns the buzzers off for the holders sounding them now; a new holder (another alarm, or
//   the same channel raised again) sounds them again.

import type { Config, Output, SignalKind } from '../../config/index.js';
import type { ChannelState } from '../detect/channel-machine.js';
import type { OutputAction } from '../events.js';
import type { Level } from '../../drivers/outputs/output.js';

export type Action = OutputAction;

/** What an output should be, and why. */
export interface Demand {
  level: Level;
  action: Action;
  /** The rule and the channel that demand it, or "safe state", "local reset", "silenced". */
  reason: string;
  /** The id of the event that caused it, when one did. */
  cause?: string;
}

export interface ChannelView {
  list(): { device: string; channel: string; kind: SignalKind; state: ChannelState; latched: boolean; test: boolean }[];
}

type Rule = Config['linkage'][number];

const RANK: Record<ChannelState, number> = { normal: 0, warning: 1, alarm: 2, fault: -1 };

function holds(rule: Rule, state: ChannelState): boolean {
  if (rule.when.state === 'fault') return state === 'fault';
  return RANK[state] >= RANK[rule.when.state];
}

export class Linkage {
  private readonly outputs: Map<string, Output>;
  private readonly groupOf = new Map<string, string>();
  /** Gas valves closed and waiting for a local reset, with why. */
  private readonly valvesClosed = new Map<string, { reason: string; cause?: string }>();
  private readonly linkageTests = new Set<string>();
  /** Holders ("rule device/channel") silenced on buzzers; a holder leaves the set when it stops holding. */
  private readonly silenced = new Set<string>();
  /** The holders of the last evaluation, by output. */
  private holders = new Map<string, string[]>();
  /** The id of the last event of each channel, as the cause of what it demands. */
  private readonly lastEvent = new Map<string, string>();

  constructor(
    private readonly config: Config,
    restoredClosedValves: Iterable<string> = [],
  ) {
    this.outputs = new Map(config.outputs.map((o) => [o.id, o]));
    for (const d of config.devices) if (d.group) this.groupOf.set(d.id, d.group);
    for (const i of config.inputs) if (i.group) this.groupOf.set(i.id, i.group);
    for (const v of restoredClosedValves)
      if (this.outputs.get(v)?.role === 'gas-valve') this.valvesClosed.set(v, { reason: 'closed before the restart: a local reset reopens it' });
    // Every valve's safe state is its closed level: closed at start, like one closed by linkage.
    for (const o of config.outputs) {
      if (o.role === 'gas-valve' && o.safeState === Linkage.levelOf(o, 'close') && !this.valvesClosed.has(o.id))
        this.valvesClosed.set(o.id, { reason: 'safe state at start: a local reset opens it' });
    }
  }

  /** The level of an action on an output: close is the valve's closed level, open its opposite. */
  static levelOf(o: Output, action: Action): Level {
    if (action === 'close') return o.closedLevel ?? 'off';
    if (action === 'open') return (o.closedLevel ?? 'off') === 'on' ? 'off' : 'on';
    return action;
  }

  closedValves(): string[] {
    return [...this.valvesClosed.keys()];
  }

  setLinkageTest(device: string, on: boolean): void {
    if (on) this.linkageTests.add(device);
    else this.linkageTests.delete(device);
  }

  /** Remembers the latest event of each channel, so a demand can name its cause. */
  noteEvents(events: readonly { id: string; device: string; channel: string }[]): void {
    for (const e of events) this.lastEvent.set(`${e.device}/${e.channel}`, e.id);
  }

  /**
   * The desired level of every output now. Also latches valves closed whose close rule holds (they stay
   * closed after the rule stops holding) and forgets silences of holders that stopped holding.
   */
  evaluate(channels: ChannelView): Map<string, Demand> {
    const wanted = new Map<string, { action: Action; reason: string; cause?: string }>();
    const holders = new Map<string, string[]>();
    const holding = new Set<string>();
    const list = channels.list();
    this.config.linkage.forEach((rule, i) => {
      const ruleId = rule.id ?? `rule#${i}`;
      for (const c of list) {
        if (!this.matches(rule, c.device, c.kind) || !holds(rule, c.state)) continue;
        if (c.test && !this.linkageTests.has(c.device)) continue;
        const key = `${ruleId} ${c.device}/${c.channel}`;
        holding.add(key);
        const cause = this.lastEvent.get(`${c.device}/${c.channel}`);
        const reason = `linkage ${ruleId}: ${c.device}/${c.channel} ${c.state}${c.test ? ' (linkage test)' : ''}`;
        for (const step of rule.do) {
          const o = this.outputs.get(step.output);
          if (!o) continue;
          if (o.role === 'gas-valve') {
            // Only ever closed here; reopening is resetValves' business, locally.
            if (step.action === 'close' && !this.valvesClosed.has(o.id)) this.valvesClosed.set(o.id, { reason, ...(cause ? { cause } : {}) });
            continue;
          }
          if (o.role === 'buzzer' && this.silenced.has(key)) continue;
          holders.set(o.id, [...(holders.get(o.id) ?? []), key]);
          if (!wanted.has(o.id)) wanted.set(o.id, { action: step.action, reason, ...(cause ? { cause } : {}) });
        }
      }
    });
    for (const key of this.silenced) if (!holding.has(key)) this.silenced.delete(key);
    this.holders = holders;

    const out = new Map<string, Demand>();
    for (const o of this.config.outputs) {
      if (o.role === 'gas-valve') {
        const closed = this.valvesClosed.get(o.id);
        out.set(
          o.id,
          closed
            ? { level: Linkage.levelOf(o, 'close'), action: 'close', ...closed }
            : { level: Linkage.levelOf(o, 'open'), action: 'open', reason: 'local reset' },
        );
        continue;
      }
      const w = wanted.get(o.id);
      out.set(
        o.id,
        w
          ? { level: Linkage.levelOf(o, w.action), ...w }
          : { level: o.safeState, action: o.safeState, reason: this.silencedNow(o) ? 'silenced' : 'no rule holds it: safe state' },
      );
    }
    return out;
  }

  private silencedNow(o: Output): boolean {
    return (
      o.role === 'buzzer' &&
      [...this.silenced].some((k) => this.config.linkage.some((r, i) => k.startsWith(`${r.id ?? `rule#${i}`} `) && r.do.some((s) => s.output === o.id)))
    );
  }

  /**
   * What a stop leaves each output at (a stop for a restart or an update must not weaken protection):
   * every gas valve closed (as at start: a local reset opens it); every other output (fan, buzzer, shunt
   * trip, relay) at what the channels demand now — a fan ventilating a gas alarm stays on, a sounding
   * buzzer sounds on, and with nothing standing that is the output's safe state. The next start derives
   * the same demands again from the restored channel states.
   */
  atStop(channels: ChannelView): Map<string, Demand> {
    const now = this.evaluate(channels);
    for (const o of this.config.outputs) {
      if (o.role !== 'gas-valve') {
        const d = now.get(o.id);
        if (d) now.set(o.id, { ...d, reason: `stop: ${d.reason}` });
        continue;
      }
      const latched = this.valvesClosed.has(o.id);
      now.set(o.id, {
        level: Linkage.levelOf(o, 'close'),
        action: 'close',
        reason: latched ? 'stop: gas valve stays closed until a local reset' : 'stop: gas valve closed (a local reset opens it after the start)',
      });
    }
    return now;
  }

  /** Silences the buzzers (the platform's `silence`, or the installer) for what sounds them now. */
  silence(): string[] {
    const done: string[] = [];
    for (const o of this.outputs.values()) {
      if (o.role !== 'buzzer') continue;
      for (const key of this.holders.get(o.id) ?? []) this.silenced.add(key);
      done.push(o.id);
    }
    return done;
  }

  /** Closes a gas valve whatever the rules say: its driver failed to open it (closing is the safe way). */
  closeValve(id: string, reason: string): boolean {
    if (this.outputs.get(id)?.role !== 'gas-valve' || this.valvesClosed.has(id)) return false;
    this.valvesClosed.set(id, { reason });
    return true;
  }

  /**
   * Reopens closed gas valves. Refused for a remote source, always; locally, refused while any gas
   * channel is not back to normal (below its warning level) or still latched.
   */
  resetValves(source: 'local' | 'remote', channels: ChannelView, only?: string): { opened: string[]; refused: { output: string; reason: string }[] } {
    const refused: { output: string; reason: string }[] = [];
    const opened: string[] = [];
    const targets = [...this.valvesClosed.keys()].filter((v) => only === undefined || v === only);
    if (only !== undefined && !this.valvesClosed.has(only)) {
      const o = this.outputs.get(only);
      refused.push({
        output: only,
        reason: !o ? `no output "${only}"` : o.role !== 'gas-valve' ? `"${only}" is a ${o.role}, not a gas valve` : 'the valve is not closed',
      });
    }
    for (const id of targets) {
      if (source === 'remote') {
        refused.push({ output: id, reason: 'a gas valve is never reopened by a remote command: reset it on site' });
        continue;
      }
      const high = channels.list().filter((c) => c.kind === 'gas' && (c.state !== 'normal' || c.latched));
      if (high.length) {
        refused.push({
          output: id,
          reason: `gas is not back below its warning level: ${high.map((c) => `${c.device}/${c.channel} ${c.state}${c.latched ? ' (latched)' : ''}`).join(', ')}`,
        });
        continue;
      }
      this.valvesClosed.delete(id);
      opened.push(id);
    }
    return { opened, refused };
  }

  private matches(rule: Rule, device: string, kind: SignalKind): boolean {
    if (rule.when.device !== undefined && rule.when.device !== device) return false;
    if (rule.when.group !== undefined && this.groupOf.get(device) !== rule.when.group) return false;
    if (rule.when.kind !== undefined && rule.when.kind !== kind) return false;
    return true;
  }
}
