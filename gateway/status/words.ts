// The words a person reads on the status page and in `jiuxiao-gateway status`: one place, so the page
// and the terminal say the same thing. A relay level means nothing on site: a gas valve is "closed"
// (已关闭) or "open", whatever level closes it; times are the box's local time, as on a wall clock.

import { wallClock, zoneOffsetMs } from '../wall-clock.js';
import type { ChannelState } from '../detect/channel-machine.js';

/** What an output is doing, in the words of its role: a valve is closed or open, a fan or buzzer on or off. */
export type OutputState = 'closed' | 'open' | 'on' | 'off';

export const OUTPUT_WORD: Record<OutputState, string> = { closed: '已关闭 closed', open: '已打开 open', on: '开 on', off: '关 off' };

export const STATE_WORD: Record<ChannelState, string> = { normal: '正常 normal', warning: '预警 warning', alarm: '报警 alarm', fault: '故障 fault' };

/** A relay level as what it does to the output: for a gas valve, its closed level is "closed". */
export function outputState(role: string, closedLevel: string | undefined, level: string | null): OutputState | null {
  if (level === null) return null;
  if (role === 'gas-valve') return level === (closedLevel ?? 'off') ? 'closed' : 'open';
  return level === 'on' ? 'on' : 'off';
}

/** A reading as a person reads it: "31.25 %LEL", "on (alarm)"; null when nothing was read yet. */
export function valueText(v: number | boolean | null, unit: string | null, label: string | null): string | null {
  if (v === null) return null;
  const text = typeof v === 'number' ? String(Number(v.toPrecision(6))) : v ? 'on' : 'off';
  return `${text}${unit ? ` ${unit}` : ''}${label ? ` (${label})` : ''}`;
}

/** The worst state among the channels: what the page's title and first banner say. */
export function worstState(states: readonly ChannelState[]): ChannelState {
  for (const s of ['alarm', 'fault', 'warning'] as const) if (states.includes(s)) return s;
  return 'normal';
}

const two = (n: number) => String(n).padStart(2, '0');

/** "2026-12-02 08:03:41 UTC+08:00": the time in the venue's zone with its offset, so nobody converts from UTC
 *  (and a box whose system is left at UTC still shows the venue's time). */
export function localTime(at: Date | string, zone: string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const w = wallClock(d.getTime(), zone);
  const off = Math.round(zoneOffsetMs(d.getTime(), zone) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)} UTC${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** The box's time as a person should read it: local; and UTC beside it when the clock is not synced, since
 *  then neither can be trusted and the platform will compare against UTC. */
export function clockText(at: string, clock: 'synced' | 'unsynced', zone: string): string {
  return clock === 'synced' ? localTime(at, zone) : `${localTime(at, zone)} · UTC ${at.slice(0, 19).replace('T', ' ')} · 时钟未同步 clock not synced`;
}
