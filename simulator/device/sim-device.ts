// A simulated Modbus device: the register tables of a profile, values set through the same codec the
// gateway decodes with, a behaviour model that moves the values over time, and fault settings the
// server applies when it answers. Values are computed when a request arrives, so no timers run.

import type { Point, Profile } from '../../config/index.js';
import { decodePoint, encodePoint, rawFromWords } from '../../drivers/plan/codec.js';
import { pointSpan } from '../../drivers/plan/read-plan.js';
import type { Reply, Request } from '../../drivers/modbus/pdu.js';
import { behaviourFor, type Behaviour, type BehaviourName } from './behaviours.js';

export interface Faults {
  /** Never answer. */
  noReply?: boolean;
  /** Answer after this many ms (slow device; above the master's timeout it becomes a late reply). */
  delayMs?: number;
  /** Flip a bit of the CRC (RTU) or send a wrong transaction id (TCP). */
  corrupt?: boolean;
  /** Answer with another slave id (RTU) or unit id (TCP). */
  wrongSlaveId?: boolean;
  /** Answer every request with this exception code (1–11). */
  exception?: number;
  /** Close the connection instead of answering (TCP servers). */
  dropConnection?: boolean;
  /** Apply the faults only to this share of requests (0–1; default 1). */
  probability?: number;
}

const TABLES = { 1: 'coils', 2: 'discrete', 3: 'holding', 4: 'input' } as const;
type Table = (typeof TABLES)[keyof typeof TABLES];

export type DeviceAnswer = { reply: Reply } | { exception: number };

export class SimDevice {
  readonly tables: Record<Table, Map<number, number>> = { coils: new Map(), discrete: new Map(), holding: new Map(), input: new Map() };
  /** Address range [lo, hi] of each table: reads inside it answer (gaps read 0), outside it are exception 2. */
  private readonly extent = new Map<Table, [number, number]>();
  faults: Faults = {};
  private behaviour: Behaviour;
  private behaviourName: BehaviourName = 'steady';
  private behaviourStart = 0;
  private overrides = new Map<string, number | boolean>();
  requests = 0;

  constructor(
    readonly id: string,
    readonly profileName: string,
    readonly profile: Profile,
    readonly slaveId: number,
    private readonly seed = 1,
  ) {
    for (const p of Object.values(profile.points)) {
      const table = TABLES[p.fc];
      const [lo, hi] = this.extent.get(table) ?? [p.address, p.address];
      this.extent.set(table, [Math.min(lo, p.address), Math.max(hi, p.address + pointSpan(p) - 1)]);
    }
    this.behaviour = behaviourFor('steady', this);
    this.refresh(0);
  }

  get currentBehaviour(): BehaviourName {
    return this.behaviourName;
  }

  setBehaviour(name: BehaviourName, now: number): void {
    this.behaviourName = name;
    this.behaviour = behaviourFor(name, this);
    this.behaviourStart = now;
    this.overrides.clear();
    this.refresh(now);
  }

  /** A value pinned by the control API wins over the behaviour until the behaviour changes. */
  pin(point: string, value: number | boolean, now: number): void {
    if (!this.profile.points[point]) throw new Error(`device ${this.id} (${this.profileName}) has no point "${point}"`);
    this.overrides.set(point, value);
    this.refresh(now);
  }

  /** Recomputes every point for time `now` (ms). */
  refresh(now: number): void {
    const values = this.behaviour.values((now - this.behaviourStart) / 1000, this.seed + this.requests, this.overrides);
    for (const [name, v] of Object.entries(values)) this.write(name, v);
  }

  /** Sets a point in the tables (encoding it as the gateway will decode it). */
  write(name: string, value: number | boolean): void {
    const p: Point | undefined = this.profile.points[name];
    if (!p) return;
    const table = this.tables[TABLES[p.fc]];
    const words = encodePoint(p, value);
    if (p.type === 'bit') {
      const cur = table.get(p.address) ?? 0;
      const mask = 1 << (p.bit ?? 0);
      table.set(p.address, value ? cur | mask : cur & ~mask);
      return;
    }
    words.forEach((w, i) => table.set(p.address + i, w));
  }

  answer(req: Request, now: number): DeviceAnswer {
    this.requests++;
    this.refresh(now);
    if (this.faults.exception) return { exception: this.faults.exception };
    switch (req.fc) {
      case 1:
      case 2:
      case 3:
      case 4: {
        const table = TABLES[req.fc];
        const ext = this.extent.get(table);
        if (!ext || req.address < ext[0] || req.address + req.count - 1 > ext[1]) return { exception: 2 };
        const t = this.tables[table];
        if (req.fc === 1 || req.fc === 2) {
          return { reply: { fc: req.fc, bits: Array.from({ length: req.count }, (_, i) => (t.get(req.address + i) ?? 0) !== 0) } };
        }
        return { reply: { fc: req.fc as 3 | 4, registers: Array.from({ length: req.count }, (_, i) => t.get(req.address + i) ?? 0) } };
      }
      case 5:
      case 15: {
        const values = req.fc === 5 ? [req.value] : req.values;
        for (let i = 0; i < values.length; i++) {
          const p = this.pointAt(1, req.address + i);
          if (!p?.writable) return { exception: 2 };
        }
        values.forEach((v, i) => this.setCoil(req.address + i, v));
        return req.fc === 5 ? { reply: { fc: 5, address: req.address, value: req.value } } : { reply: { fc: 15, address: req.address, count: values.length } };
      }
      case 6:
      case 16: {
        const values = req.fc === 6 ? [req.value] : req.values;
        for (let i = 0; i < values.length; i++) {
          const p = this.pointAt(3, req.address + i);
          if (!p?.writable) return { exception: 2 };
        }
        values.forEach((v, i) => this.tables.holding.set(req.address + i, v));
        return req.fc === 6 ? { reply: { fc: 6, address: req.address, value: req.value } } : { reply: { fc: 16, address: req.address, count: values.length } };
      }
    }
  }

  private pointAt(fc: 1 | 3, address: number): Point | undefined {
    return Object.values(this.profile.points).find((p) => p.fc === fc && address >= p.address && address < p.address + pointSpan(p));
  }

  /** A relay's contact follows its coil: the feedback input at the same address mirrors it. */
  private setCoil(address: number, value: boolean): void {
    this.tables.coils.set(address, value ? 1 : 0);
    const feedback = Object.entries(this.profile.points).find(([, p]) => p.fc === 2 && p.address === address);
    if (feedback) {
      this.tables.discrete.set(address, value ? 1 : 0);
      this.overrides.set(feedback[0], value);
    }
    const coil = Object.entries(this.profile.points).find(([, p]) => p.fc === 1 && p.address === address);
    if (coil) this.overrides.set(coil[0], value);
  }

  /** Whether the faults apply to this request (probability). */
  faultsApply(rand: () => number = Math.random): boolean {
    const p = this.faults.probability ?? 1;
    return p >= 1 || rand() < p;
  }

  /** Current engineering values, decoded with the gateway's own codec. */
  snapshot(): Record<string, number | boolean> {
    const out: Record<string, number | boolean> = {};
    for (const [name, p] of Object.entries(this.profile.points)) {
      const t = this.tables[TABLES[p.fc]];
      const raw = p.fc <= 2 ? (t.get(p.address) ?? 0) !== 0 : rawFromWords(p, [t.get(p.address) ?? 0, t.get(p.address + 1) ?? 0]);
      out[name] = decodePoint(p, raw).value;
    }
    return out;
  }

  /** Until when (monotonic ms) a reboot keeps the device silent. */
  private rebootUntil = -Infinity;

  /**
   * A power blip or a watchdog reset of the module: silent for `offlineMs`, and back with its power-on
   * state: every relay released (coils and their feedback 0), written holding registers forgotten.
   */
  reboot(offlineMs: number, now: number): void {
    this.rebootUntil = now + offlineMs;
    for (const p of Object.values(this.profile.points)) if (p.fc === 1) this.setCoil(p.address, false);
    for (const [name, p] of Object.entries(this.profile.points)) if (p.fc === 3 && p.writable) this.overrides.delete(name);
    this.refresh(now);
  }

  /** True while a flapping-link behaviour has the device's link down, or it is rebooting. */
  linkDown(now: number): boolean {
    if (now < this.rebootUntil) return true;
    return this.behaviour.linkDown?.((now - this.behaviourStart) / 1000) ?? false;
  }
}
