// Human-readable log lines for a person at a terminal (`run` on a TTY, the demo): one line per thing,
// in the venue's time (config gateway.timeZone), events in words — "08:03:04.120 WARN  gateway: 报警 ALARM kitchen-gas/lel
// 26.8 %LEL: ≥ 25 %LEL". Written here rather than pulling in pino-pretty and its dependency tree for one
// format. JSON stays the default where a machine reads the log (systemd, pipes).

import type { DestinationStream } from 'pino';
import { wallClock } from '../wall-clock.js';

const LEVEL_WIDTH = 5;
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v', 'event']);
const STATE_ZH: Record<string, string> = { normal: '恢复', warning: '预警', alarm: '报警', fault: '故障' };

const s = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A gateway event (channel, output, device) as one line of words; null for what is not an event. */
export function eventText(e: Record<string, unknown>): string | null {
  if (e.type === 'channel') {
    const value = e.value === undefined ? '' : ` ${s(e.value)}${e.unit ? ` ${s(e.unit)}` : ''}`;
    const flags = `${e.latched ? ' (latched)' : ''}${e.test ? ' [test]' : ''}`;
    return `${STATE_ZH[s(e.state)] ?? ''} ${s(e.state).toUpperCase()} ${s(e.device)}/${s(e.channel)}${value}${e.detail ? `: ${s(e.detail)}` : ''}${flags}`;
  }
  if (e.type === 'output') {
    const valve = e.role === 'gas-valve' && (e.action === 'close' || e.action === 'open');
    const what = valve
      ? e.action === 'close'
        ? `燃气阀关闭 gas valve ${s(e.output)} close`
        : `燃气阀打开 gas valve ${s(e.output)} open`
      : `${s(e.output)} ${s(e.action)}`;
    if (e.status === 'failed') return `输出故障 OUTPUT FAULT ${what}: ${s(e.detail ?? e.reason)}`;
    if (e.status === 'confirmed') return `${what}: confirmed${valve && e.action === 'close' ? ' — 已关闭 closed' : ''}`;
    return `${what}: commanded (${s(e.reason)})`;
  }
  if (e.type === 'device') return `${e.state === 'offline' ? '离线 OFFLINE' : '在线 online'} ${s(e.device)}${e.reason ? `: ${s(e.reason)}` : ''}`;
  return null;
}

const two = (n: number, w = 2) => String(n).padStart(w, '0');

function clock(iso: unknown, zone: string | undefined): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // Without a zone (a command before its config is read): the process's own.
  const w = zone ? wallClock(d.getTime(), zone) : { hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
  return `${two(w.hour)}:${two(w.minute)}:${two(w.second)}.${two(d.getMilliseconds(), 3)}`;
}

/** `zone`: the venue's time zone, in which a person reads the time (a box left at UTC is not eight hours off). */
export function formatLine(json: string, zone?: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = String(rec.level ?? '')
    .toUpperCase()
    .padEnd(LEVEL_WIDTH);
  const name = typeof rec.name === 'string' ? `${rec.name}: ` : '';
  const event = rec.event && typeof rec.event === 'object' ? eventText(rec.event as Record<string, unknown>) : null;
  const msg = event ?? String(rec.msg ?? '');
  const fields = Object.entries(rec)
    .filter(([k]) => !OMIT.has(k) || (k === 'event' && event === null))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  const err = rec.err as { stack?: string } | undefined;
  const tail = err?.stack ? `\n    ${err.stack.split('\n').join('\n    ')}` : '';
  const fieldText = fields.filter((f) => !f.startsWith('err=')).join(' ');
  const time = clock(rec.time, zone);
  return `${time ? `${time} ` : ''}${level} ${name}${msg}${fieldText ? ` ${fieldText}` : ''}${tail}\n`;
}

export function prettyStream(out: DestinationStream, zone?: string): DestinationStream {
  return { write: (line: string) => out.write(formatLine(line.trimEnd(), zone)) };
}
