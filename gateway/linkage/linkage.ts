// Local linkage (联动): channel events → output commands, with no network involved. Pure: it decides,
// the output manager acts.
//
// - A rule holds its outputs while a matching channel is in the rule's state (a warning rule also holds
//   through alarm). When the last holder clears, an output returns to its safe state — except a gas
//   valve: closed by linkage, it stays closed until a local reset on site (GB 50028 "automatic close,
//   manual open"), and it is never reopened by a remote command (invariant 6).
// - A device in maintenance/test mode (检修/测试) raises events but drives nothing, unless the installer
//   asked for a linkage test on it.

import type { Config, Output, SignalKind } from '../../config/index.js';
import type { ChannelState } from '../detect/channel-machine.js';
import type { ChannelEvent } from '../detect/detector.js';
import type { Level } from '../../drivers/outputs/output.js';

export type Action = 'on' | 'off' | 'close' | 'open';

export interface OutputCommand {
  output: string;
  role: Output['role'];
  action: Action;
  level: Level;
  /** Why: the rule and the event that caused it, or "safe state", "local reset", "silence". */
  reason: string;
  cause?: string;
}

export interface ChannelView {
  list(): { device: string; channel: string; kind: SignalKind; state: ChannelState; latched: boolean }[];
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
  /** Output id → holders ("rule#i device/channel"). */
  private readonly holders = new Map<string, Set<string>>();
  /** The level each output was last commanded to. */
  private readonly levels = new Map<string, Level>();
  /** Gas valves closed by linkage and waiting for a local reset. */
  private readonly valvesClosed = new Set<string>();
  private readonly linkageTests = new Set<string>();

  constructor(
    private readonly config: Config,
    restoredClosedValves: Iterable<string> = [],
  ) {
    this.outputs = new Map(config.outputs.map((o) => [o.id, o]));
    for (const d of config.devices) if (d.group) this.groupOf.set(d.id, d.group);
    for (const i of config.inputs) if (i.group) this.groupOf.set(i.id, i.group);
    for (const v of restoredClosedValves) if (this.outputs.get(v)?.role === 'gas-valve') this.valvesClosed.add(v);
  }

  /** The level of an action on an output: close is the valve's closed level, open its opposite. */
  static levelOf(o: Output, action: Action): Level {
    if (action === 'close') return o.closedLevel ?? 'off';
    if (action === 'open') return (o.closedLevel ?? 'off') === 'on' ? 'off' : 'on';
    return action;
  }

  closedValves(): string[] {
    return [...this.valvesClosed];
  }

  /** Commands that put every output in its safe state, and closed valves closed (at start, shutdown). */
  safeStates(reason: string): OutputCommand[] {
    return this.config.outputs.map((o) => {
      const closed = o.role === 'gas-valve' && this.valvesClosed.has(o.id);
      const level = closed ? Linkage.levelOf(o, 'close') : o.safeState;
      this.levels.set(o.id, level);
      return { output: o.id, role: o.role, action: closed ? 'close' : level, level, reason: closed ? `${reason}; gas valve stays closed until a local reset` : reason };
    });
  }

  setLinkageTest(device: string, on: boolean): void {
    if (on) this.linkageTests.add(device);
    else this.linkageTests.delete(device);
  }

  onEvent(e: ChannelEvent): OutputCommand[] {
    if (e.test && !this.linkageTests.has(e.device)) return [];
    const touched = new Set<string>();
    const wasHeld = new Set([...this.holders].filter(([, s]) => s.size > 0).map(([id]) => id));
    const wanted = new Map<string, { action: Action; rule: string }>();
    this.config.linkage.forEach((rule, i) => {
      if (!this.matches(rule, e.device, e.kind)) return;
      const key = `${rule.id ?? `rule#${i}`} ${e.device}/${e.channel}`;
      const on = holds(rule, e.state);
      for (const step of rule.do) {
        const set = this.holders.get(step.output) ?? new Set<string>();
        if (on) {
          set.add(key);
          wanted.set(step.output, { action: step.action, rule: rule.id ?? `rule#${i}` });
        } else set.delete(key);
        this.holders.set(step.output, set);
        touched.add(step.output);
      }
    });
    const out: OutputCommand[] = [];
    for (const id of touched) {
      const o = this.outputs.get(id);
      if (!o) continue;
      const w = wanted.get(id);
      const held = (this.holders.get(id)?.size ?? 0) > 0;
      if (o.role === 'gas-valve') {
        // Only ever closed here; reopening is reset()'s business, locally.
        if (w?.action === 'close') {
          this.valvesClosed.add(id);
          this.command(out, o, 'close', `linkage ${w.rule}: ${e.device}/${e.channel} ${e.state}`, e.id);
        }
        continue;
      }
      if (w) this.command(out, o, w.action, `linkage ${w.rule}: ${e.device}/${e.channel} ${e.state}`, e.id);
      else if (!held && wasHeld.has(id)) this.command(out, o, o.safeState, `linkage released: ${e.device}/${e.channel} ${e.state}`, e.id);
    }
    return out;
  }

  /** Silences buzzers (the platform's `silence`, or the installer): they stay off until a new alarm. */
  silence(): OutputCommand[] {
    const out: OutputCommand[] = [];
    for (const o of this.outputs.values()) {
      if (o.role !== 'buzzer') continue;
      this.holders.set(o.id, new Set());
      this.command(out, o, 'off', 'silenced');
    }
    return out;
  }

  /**
   * Reopens closed gas valves. Refused for a remote source, always; locally, refused while any gas
   * channel is not back to normal (below its warning level) or still latched.
   */
  resetValves(source: 'local' | 'remote', channels: ChannelView, only?: string): { commands: OutputCommand[]; refused: { output: string; reason: string }[] } {
    const refused: { output: string; reason: string }[] = [];
    const commands: OutputCommand[] = [];
    const targets = [...this.valvesClosed].filter((v) => only === undefined || v === only);
    if (only !== undefined && !this.valvesClosed.has(only)) {
      const o = this.outputs.get(only);
      refused.push({ output: only, reason: !o ? `no output "${only}"` : o.role !== 'gas-valve' ? `"${only}" is a ${o.role}, not a gas valve` : 'the valve is not closed by linkage' });
    }
    for (const id of targets) {
      const o = this.outputs.get(id) as Output;
      if (source === 'remote') {
        refused.push({ output: id, reason: 'a gas valve is never reopened by a remote command: reset it on site' });
        continue;
      }
      const high = channels.list().filter((c) => c.kind === 'gas' && (c.state !== 'normal' || c.latched));
      if (high.length) {
        refused.push({ output: id, reason: `gas is not back below its warning level: ${high.map((c) => `${c.device}/${c.channel} ${c.state}${c.latched ? ' (latched)' : ''}`).join(', ')}` });
        continue;
      }
      this.valvesClosed.delete(id);
      this.holders.set(id, new Set());
      this.command(commands, o, 'open', 'local reset', undefined, true);
    }
    return { commands, refused };
  }

  private matches(rule: Rule, device: string, kind: SignalKind): boolean {
    if (rule.when.device !== undefined && rule.when.device !== device) return false;
    if (rule.when.group !== undefined && this.groupOf.get(device) !== rule.when.group) return false;
    if (rule.when.kind !== undefined && rule.when.kind !== kind) return false;
    return true;
  }

  private command(out: OutputCommand[], o: Output, action: Action, reason: string, cause?: string, force = false): void {
    const level = Linkage.levelOf(o, action);
    if (!force && this.levels.get(o.id) === level) return;
    this.levels.set(o.id, level);
    out.push({ output: o.id, role: o.role, action, level, reason, ...(cause ? { cause } : {}) });
  }
}
