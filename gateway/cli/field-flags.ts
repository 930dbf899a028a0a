// Flags shared by the on-site commands (scan, read): which line or endpoint to talk to, and how.

import { BAUD_RATES } from '../../config/index.js';
import { UsageError } from './io.js';
import type { Endpoint, Parity } from '../commission/field-bus.js';

export const FIELD_OPTIONS = {
  port: { type: 'string' },
  tcp: { type: 'string' },
  'rtu-over-tcp': { type: 'boolean' },
  baud: { type: 'string' },
  parity: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function intFlag(command: string, name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${command}: --${name} expects a whole number ${min}–${max}, got "${value}"`);
  return n;
}

export function parityFlag(command: string, value: string | undefined): Parity | undefined {
  if (value === undefined) return undefined;
  if (value === 'none' || value === 'even' || value === 'odd') return value;
  throw new UsageError(`${command}: --parity expects none, even or odd, got "${value}"`);
}

/** `--ids A-B` (or one id) within `allowed`; `fallback` when not given. */
export function idRangeFlag(command: string, value: string | undefined, allowed: [number, number], fallback: [number, number] = [1, 247]): [number, number] {
  if (value === undefined) return fallback;
  const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(value);
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || a < allowed[0] || b > allowed[1] || a > b)
    throw new UsageError(`${command}: --ids expects A-B within ${allowed[0]}-${allowed[1]}, e.g. 1-32, got "${value}"`);
  return [a, b];
}

export function baudFlag(command: string, value: string): number {
  const n = Number(value);
  if (!(BAUD_RATES as readonly number[]).includes(n)) throw new UsageError(`${command}: --baud expects one of ${BAUD_RATES.join(', ')}, got "${value}"`);
  return n;
}

/** `--port PATH` or `--tcp HOST:PORT [--rtu-over-tcp]`. */
export function endpointFlags(command: string, v: { port?: string | undefined; tcp?: string | undefined; 'rtu-over-tcp'?: boolean | undefined }): Endpoint {
  if ((v.port === undefined) === (v.tcp === undefined)) throw new UsageError(`${command}: give --port PATH (serial) or --tcp HOST:PORT`);
  if (v.port !== undefined) {
    if (v['rtu-over-tcp']) throw new UsageError(`${command}: --rtu-over-tcp goes with --tcp, not --port`);
    const path = v.port;
    return {
      kind: 'serial',
      describe: path,
      bus: (baud, parity, timeoutMs) => ({ id: 'cli', type: 'rtu', path, baud: baud as 9600, parity, dataBits: 8, stopBits: 1, timeoutMs, retries: 0 }),
    };
  }
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(v.tcp ?? '');
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new UsageError(`${command}: --tcp expects HOST:PORT, e.g. 192.168.1.200:502, got "${v.tcp}"`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const rtu = v['rtu-over-tcp'] === true;
  return {
    kind: rtu ? 'rtu-over-tcp' : 'tcp',
    describe: `${rtu ? 'rtu-over-tcp' : 'tcp'} ${v.tcp}`,
    bus: (baud, _parity, timeoutMs) =>
      rtu
        ? { id: 'cli', type: 'rtu-over-tcp', host, port, baud: baud as 9600, timeoutMs, retries: 0 }
        : { id: 'cli', type: 'tcp', host, port, timeoutMs, retries: 0 },
  };
}
