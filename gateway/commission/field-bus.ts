// A bus opened for one on-site command and closed after it. Failures say what the installer can fix.

import type { Bus as BusConfig } from '../../config/index.js';
import { createBus } from '../../drivers/bus/create.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { ModbusError } from '../../drivers/modbus/errors.js';

export class FieldError extends Error {}

export type Parity = 'none' | 'even' | 'odd';

/** A line to open as a field tool gives it (`--port PATH` or `--tcp HOST:PORT [--rtu-over-tcp]`). */
export interface Endpoint {
  kind: 'serial' | 'tcp' | 'rtu-over-tcp';
  describe: string;
  bus(baud: number, parity: Parity, timeoutMs: number): BusConfig;
}

export async function openBus(config: BusConfig): Promise<Bus> {
  // Silence is the normal answer of an empty slave id: a scan of 247 ids must not take a run of timeouts for
  // a stalled peer and drop the connection (the gateway's buses do, after 3).
  const bus = createBus(config, { reopenMinMs: 60_000, reopenMaxMs: 60_000, reconnectAfterTimeouts: Number.POSITIVE_INFINITY });
  await bus.start();
  if (!bus.linkUp) {
    const reason = bus.linkReason;
    await bus.stop();
    throw new FieldError(`cannot open ${bus.transport.label}: ${reason}`);
  }
  return bus;
}

/** The reason of a failed transaction, with what the framing threw away meanwhile (a CRC error shows
 *  as a timeout on the wire: the reply was there but not valid). */
export function failureText(err: unknown, before: ReturnType<Bus['snapshot']>, after: ReturnType<Bus['snapshot']>): string {
  const base =
    err instanceof ModbusError
      ? err.code === 'exception'
        ? err.message
        : err.code === 'timeout'
          ? `timeout: ${err.message}`
          : err.message
      : (err as Error).message;
  const notes: string[] = [];
  const d = (k: 'crcErrors' | 'foreignFrames' | 'mismatches' | 'discardedBytes') => after[k] - before[k];
  if (d('crcErrors')) notes.push(`${d('crcErrors')} frame(s) with a bad CRC`);
  if (d('foreignFrames')) notes.push(`${d('foreignFrames')} reply(ies) for another slave id or transaction`);
  if (d('mismatches')) notes.push(`${d('mismatches')} reply(ies) not matching the request`);
  if (d('discardedBytes')) notes.push(`${d('discardedBytes')} stray byte(s)`);
  return notes.length ? `${base} (discarded: ${notes.join(', ')})` : base;
}
