// Which slave ids answer on a line, at which settings: the core of `scan`, and of `commission`, which
// scans every line it finds. A line of this box (serial) is tried at each baud rate and parity asked for;
// behind a TCP endpoint there is nothing to set. An id that answers at several settings is one device on
// a line that cannot tell the settings apart (a pseudo-terminal, a converter that re-frames).

import type { Bus } from '../../drivers/bus/bus.js';
import { ModbusError } from '../../drivers/modbus/errors.js';
import { FieldError, openBus, type Endpoint, type Parity } from './field-bus.js';

/** Gateway path unavailable (0x0A) and gateway target device failed to respond (0x0B). */
const GATEWAY_EXCEPTIONS = new Set([0x0a, 0x0b]);

export interface LineSetting {
  baud: number;
  parity: Parity;
}

export interface ScanHit {
  id: number;
  baud?: number;
  parity?: Parity;
  answer: string;
  /** Other line settings at which the same id answered. */
  alsoAt?: LineSetting[];
}

export interface ScanPlan {
  settings: LineSetting[];
  first: number;
  last: number;
  timeoutMs: number;
}

export interface ScanProgress {
  /** Ids asked so far, of `total` (every id at every setting). */
  done: number;
  total: number;
  setting: LineSetting;
}

/** Asks one id for holding register 0: what it answered, or undefined when nobody is there. */
async function probe(bus: Bus, id: number): Promise<string | undefined> {
  try {
    const r = await bus.execute(id, { fc: 3, address: 0, count: 1 });
    return 'registers' in r ? `holding register 0 = ${r.registers[0]}` : 'answered';
  } catch (err) {
    // Exceptions 0x0A/0x0B come from a Modbus TCP gateway, not from a device: nobody is at that id.
    if (err instanceof ModbusError && err.code === 'exception' && !GATEWAY_EXCEPTIONS.has(err.exceptionCode ?? -1))
      return `exception ${err.exceptionCode} to fc 3 (it is there)`;
    if (err instanceof ModbusError && err.code === 'port-closed') throw new FieldError(err.message);
    return undefined;
  }
}

/**
 * Scans the endpoint at every setting of the plan (one for TCP). `onHit` sees each id the first time it
 * answers. Throws FieldError when the line cannot be opened or closes under us.
 */
export async function scanLine(
  ep: Endpoint,
  plan: ScanPlan,
  on: { hit?: (h: ScanHit) => void; progress?: (p: ScanProgress) => void; setting?: (s: LineSetting) => void } = {},
): Promise<ScanHit[]> {
  const serial = ep.kind === 'serial';
  const settings = serial ? plan.settings : plan.settings.slice(0, 1);
  const ids = plan.last - plan.first + 1;
  const total = settings.length * ids;
  const hits: ScanHit[] = [];
  let done = 0;
  for (const setting of settings) {
    on.setting?.(setting);
    const bus = await openBus(ep.bus(setting.baud, setting.parity, plan.timeoutMs));
    try {
      for (let id = plan.first; id <= plan.last; id++) {
        const answer = await probe(bus, id);
        done++;
        on.progress?.({ done, total, setting });
        if (answer === undefined) continue;
        const seen = hits.find((h) => h.id === id);
        if (seen) {
          (seen.alsoAt ??= []).push(setting);
          continue;
        }
        const hit: ScanHit = { id, answer, ...(serial ? setting : {}) };
        hits.push(hit);
        on.hit?.(hit);
      }
    } finally {
      await bus.stop();
    }
  }
  return hits;
}
