// Which device is at this slave id? Each known profile's register map is read as the gateway would read
// it; a profile whose every read answers with plausible values (inside the sensor's measuring range, a
// number at all) is a candidate, and the one that explains the most points is the most likely. The
// evidence — what answered, what was refused — is kept, so the installer can see why, and disagree.

import type { Profile } from '../../config/index.js';
import { planDevice } from '../../drivers/bus/device-reader.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { ModbusError } from '../../drivers/modbus/errors.js';
import { decodeBlock, type DecodedPoint } from '../../drivers/plan/codec.js';

const FC_NAME: Record<number, string> = { 1: 'coils', 2: 'discrete inputs', 3: 'holding registers', 4: 'input registers' };

export interface Candidate {
  profile: string;
  /** Every read of the map answered and every value is plausible. */
  matches: boolean;
  /** Reads answered, of all the map's reads. */
  answered: number;
  reads: number;
  points: number;
  /** The furthest register (or bit) address the map reads: maps overlap (holding registers from 0 are
   *  everyone's), and a device that also answers further out is better explained by the larger map. */
  reach: number;
  evidence: string[];
}

function plausible(name: string, d: DecodedPoint, range: { min: number; max: number } | undefined): string | null {
  if (typeof d.value === 'number' && !Number.isFinite(d.value)) return `${name} is not a number`;
  if (range && typeof d.value === 'number' && (d.value < range.min || d.value > range.max))
    return `${name} = ${d.value}${d.unit ? ` ${d.unit}` : ''} is outside the sensor's range ${range.min}–${range.max}`;
  return null;
}

function shown(name: string, d: DecodedPoint): string {
  const v = typeof d.value === 'number' ? String(Number(d.value.toPrecision(6))) : d.value ? 'on' : 'off';
  const bits = d.bits ? Object.entries(d.bits).filter(([, on]) => on) : [];
  return `${name} = ${v}${d.unit ? ` ${d.unit}` : ''}${bits.length ? ` [${bits.map(([b]) => b).join(', ')}]` : ''}`;
}

/** Tries one profile on one id. */
async function tryProfile(bus: Bus, slaveId: number, name: string, profile: Profile, timeoutMs: number): Promise<Candidate> {
  const plan = planDevice({ id: 'commission', slaveId, profile });
  const evidence: string[] = [];
  let answered = 0;
  let implausible = false;
  for (const block of plan.blocks) {
    const where = `${FC_NAME[block.fc]} ${block.address}–${block.address + block.count - 1}`;
    try {
      const reply = await bus.execute(slaveId, { fc: block.fc, address: block.address, count: block.count }, { timeoutMs });
      answered++;
      const data = 'bits' in reply ? { bits: reply.bits } : 'registers' in reply ? { registers: reply.registers } : {};
      const points = decodeBlock(block, plan.points, data);
      const notes = Object.entries(points).map(([p, d]) => {
        const bad = plausible(p, d, plan.points[p]?.range);
        if (bad) implausible = true;
        return bad ?? shown(p, d);
      });
      evidence.push(`${where}: ${notes.join(', ')}`);
    } catch (err) {
      const why = err instanceof ModbusError ? (err.code === 'exception' ? `exception ${err.exceptionCode}` : err.code) : (err as Error).message;
      evidence.push(`${where}: refused (${why})`);
    }
  }
  return {
    profile: name,
    matches: answered === plan.blocks.length && !implausible,
    answered,
    reads: plan.blocks.length,
    points: Object.keys(plan.points).length,
    reach: Math.max(...plan.blocks.map((b) => b.address + b.count - 1)),
    evidence,
  };
}

/** Every profile tried on the id, most likely first: full matches by how far their map reaches, then by
 *  the number of points they explain; then the rest by the share of reads answered. */
export async function identify(bus: Bus, slaveId: number, profiles: Readonly<Record<string, Profile>>, timeoutMs = 300): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const [name, profile] of Object.entries(profiles)) out.push(await tryProfile(bus, slaveId, name, profile, timeoutMs));
  return out.sort(
    (a, b) =>
      Number(b.matches) - Number(a.matches) ||
      (a.matches ? b.reach - a.reach || b.points - a.points : b.answered / b.reads - a.answered / a.reads || b.points - a.points),
  );
}
