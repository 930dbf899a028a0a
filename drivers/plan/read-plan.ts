// Read planning: the points a device needs, merged into the fewest Modbus reads. Contiguous or nearly
// contiguous points of the same function go into one read, up to the device's limit, never splitting a
// 32-bit value. Fewer transactions is the biggest lever on poll-cycle time on a 9600-baud line.

import type { Point } from '../../config/index.js';
import { registerCount } from '../../config/point-type.js';
import { MAX_READ_BITS, MAX_READ_REGISTERS, type ReadFunction } from '../modbus/pdu.js';

export interface ReadBlock {
  fc: ReadFunction;
  address: number;
  count: number;
  /** Names of the points this read serves. */
  points: string[];
}

export interface PlanLimits {
  /** Largest read the device accepts, in registers (bits for fc 1/2 are capped at 2000). */
  maxRegistersPerRead: number;
  /** Unused registers (or bits) a read may span to join two points. */
  maxGap: number;
}

export function pointSpan(p: Point): number {
  return p.fc === 1 || p.fc === 2 ? 1 : registerCount(p.type);
}

export function planReads(points: Readonly<Record<string, Point>>, limits: PlanLimits): ReadBlock[] {
  const byFc = new Map<ReadFunction, { name: string; start: number; end: number }[]>();
  for (const [name, p] of Object.entries(points)) {
    const list = byFc.get(p.fc) ?? [];
    list.push({ name, start: p.address, end: p.address + pointSpan(p) });
    byFc.set(p.fc, list);
  }
  const blocks: ReadBlock[] = [];
  for (const fc of [...byFc.keys()].sort()) {
    const max = fc <= 2 ? MAX_READ_BITS : Math.min(limits.maxRegistersPerRead, MAX_READ_REGISTERS);
    const items = (byFc.get(fc) ?? []).sort((a, b) => a.start - b.start || a.end - b.end);
    let cur: { start: number; end: number; points: string[] } | undefined;
    for (const it of items) {
      if (cur && it.start - cur.end <= limits.maxGap && Math.max(cur.end, it.end) - cur.start <= max) {
        cur.end = Math.max(cur.end, it.end);
        cur.points.push(it.name);
        continue;
      }
      if (cur) blocks.push({ fc, address: cur.start, count: cur.end - cur.start, points: cur.points });
      cur = { start: it.start, end: it.end, points: [it.name] };
    }
    if (cur) blocks.push({ fc, address: cur.start, count: cur.end - cur.start, points: cur.points });
  }
  return blocks;
}

/** One line per read, as check-config and `read --plan` print it: "fc3 0x0000+28 (7 points)". */
export function describeBlock(b: ReadBlock): string {
  return `fc${b.fc} ${b.address} (0x${b.address.toString(16).toUpperCase().padStart(4, '0')}) × ${b.count}: ${b.points.join(', ')}`;
}
