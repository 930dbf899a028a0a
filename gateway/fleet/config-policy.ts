// What a config sent from the platform may not do, whatever check-config says of it: weaken the gas
// protection of the venue, or change what the box is (its id, its data directory). A person on site may
// (check-config's rules only); the platform may not, since nobody there sees the kitchen. Pure.

// Narrow imports: this runs on the polling thread, which must not load the config schema (zod) for it.
import type { Config, Profile } from '../../config/index.js';
import { said, type Said } from '../../config/diagnostics.js';
import { THRESHOLD_RULES } from '../../config/signals.js';

/** GB/T 50493-2019 §5.5.2: a level-1 gas alarm at most 25 %LEL; check-config allows up to level 2 (50). */
export const REMOTE_GAS_ALARM_LIMIT = 25;

type Profiles = Readonly<Record<string, Profile>>;

/** Every gas channel the config watches: `device/channel`. */
function gasChannels(c: Config, builtin: Profiles): Map<string, { device: string; channel: string; alarm: number }> {
  const out = new Map<string, { device: string; channel: string; alarm: number }>();
  const profiles = { ...builtin, ...c.profiles };
  for (const d of c.devices) {
    const p = profiles[d.profile];
    if (!p) continue;
    for (const [channel, point] of Object.entries(p.points)) {
      if (point.kind !== 'gas' || d.channels[channel]?.enabled === false) continue;
      const alarm = d.channels[channel]?.alarm ?? THRESHOLD_RULES.gas?.alarm ?? REMOTE_GAS_ALARM_LIMIT;
      out.set(`${d.id}/${channel}`, { device: d.id, channel, alarm });
    }
  }
  return out;
}

/** The gas valves that a gas alarm closes. */
function valvesClosedByGas(c: Config): Set<string> {
  const valves = new Set(c.outputs.filter((o) => o.role === 'gas-valve').map((o) => o.id));
  const closed = new Set<string>();
  for (const rule of c.linkage) {
    // A rule on gas, or on any kind (no `kind`), at warning or alarm: it holds on a gas alarm.
    if ((rule.when.kind !== undefined && rule.when.kind !== 'gas') || rule.when.state === 'fault') continue;
    for (const step of rule.do) if (step.action === 'close' && valves.has(step.output)) closed.add(step.output);
  }
  return closed;
}

/** Why the platform may not put `next` in place of `now`; empty when it may. */
export function refusedRemotely(now: Config, next: Config, builtin: Profiles): Said[] {
  const out: Said[] = [];
  if (next.gateway.id !== now.gateway.id) out.push(said('remoteIdentity', { key: 'gateway.id', old: now.gateway.id }));
  if (next.gateway.dataDir !== now.gateway.dataDir) out.push(said('remoteIdentity', { key: 'gateway.dataDir', old: now.gateway.dataDir }));
  const before = gasChannels(now, builtin);
  const after = gasChannels(next, builtin);
  for (const [key, ch] of before) if (!after.has(key)) out.push(said('remoteRemovesGas', { device: ch.device, channel: ch.channel }));
  const source = THRESHOLD_RULES.gas?.source ?? 'GB/T 50493-2019 §5.5.2';
  for (const ch of after.values()) {
    if (ch.alarm > REMOTE_GAS_ALARM_LIMIT) {
      out.push(said('remoteGasAlarmAbove', { device: ch.device, channel: ch.channel, value: ch.alarm, limit: REMOTE_GAS_ALARM_LIMIT, source }));
    }
  }
  const valvesAfter = new Map(next.outputs.map((o) => [o.id, o]));
  for (const o of now.outputs) {
    if (o.role === 'gas-valve' && valvesAfter.get(o.id)?.role !== 'gas-valve') out.push(said('remoteRemovesValve', { output: o.id }));
  }
  const closedAfter = valvesClosedByGas(next);
  for (const v of valvesClosedByGas(now))
    if (valvesAfter.get(v)?.role === 'gas-valve' && !closedAfter.has(v)) out.push(said('remoteValveUnlinked', { output: v }));
  return out;
}
