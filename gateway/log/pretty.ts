// Human-readable log lines for an installer at a terminal: "12:03:04.120 WARN  uplink: broker down
// retryInS=8". Written here rather than pulling in pino-pretty and its dependency tree for one format.

import type { DestinationStream } from 'pino';

const LEVEL_WIDTH = 5;
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v']);

export function formatLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 23) : '';
  const level = String(rec.level ?? '')
    .toUpperCase()
    .padEnd(LEVEL_WIDTH);
  const name = typeof rec.name === 'string' ? `${rec.name}: ` : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  const err = rec.err as { stack?: string } | undefined;
  const tail = err?.stack ? `\n    ${err.stack.split('\n').join('\n    ')}` : '';
  const fieldText = fields.filter((f) => !f.startsWith('err=')).join(' ');
  return `${time} ${level} ${name}${String(rec.msg ?? '')}${fieldText ? ` ${fieldText}` : ''}${tail}\n`;
}

export function prettyStream(out: DestinationStream): DestinationStream {
  return { write: (line: string) => out.write(formatLine(line.trimEnd())) };
}
