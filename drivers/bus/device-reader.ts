// Reads one device: runs its read plan over the bus and decodes every point. Any failed read fails the
// whole device read: a device half read is not reported as if it were healthy (invariant 5).

import type { Point, Profile } from '../../config/index.js';
import { ModbusError } from '../modbus/errors.js';
import { decodeBlock, type DecodedPoint } from '../plan/codec.js';
import { planReads, type ReadBlock } from '../plan/read-plan.js';
import type { Bus, TransactionOptions } from './bus.js';

export interface DeviceSpec {
  id: string;
  slaveId: number;
  profile: Profile;
  /** Point names switched off in the config (`channels.X.enabled: false`). */
  disabled?: readonly string[];
  maxRegistersPerRead?: number;
  maxGap?: number;
}

export interface DevicePlan {
  points: Record<string, Point>;
  blocks: ReadBlock[];
}

export function planDevice(spec: DeviceSpec): DevicePlan {
  const off = new Set(spec.disabled ?? []);
  const points = Object.fromEntries(Object.entries(spec.profile.points).filter(([name]) => !off.has(name)));
  const blocks = planReads(points, {
    maxRegistersPerRead: spec.maxRegistersPerRead ?? spec.profile.maxRegistersPerRead,
    maxGap: spec.maxGap ?? spec.profile.maxGap,
  });
  return { points, blocks };
}

export async function readDevice(bus: Bus, slaveId: number, plan: DevicePlan, opts: TransactionOptions = {}): Promise<Record<string, DecodedPoint>> {
  const out: Record<string, DecodedPoint> = {};
  for (const block of plan.blocks) {
    let reply;
    try {
      reply = await bus.execute(slaveId, { fc: block.fc, address: block.address, count: block.count }, { priority: 'poll', ...opts });
    } catch (err) {
      if (err instanceof ModbusError) throw err;
      throw new ModbusError('bad-request', (err as Error).message);
    }
    const data = 'bits' in reply ? { bits: reply.bits } : 'registers' in reply ? { registers: reply.registers } : {};
    Object.assign(out, decodeBlock(block, plan.points, data));
  }
  return out;
}
