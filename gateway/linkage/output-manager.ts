// Carries out output commands on the drivers and reports each as events: commanded, then confirmed (read
// back where the hardware allows) or failed. A failed driver gets its safe state tried once more.

import type { Config, Output } from '../../config/index.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { GpioOutput } from '../../drivers/outputs/gpio.js';
import { ModbusCoilOutput, ModbusRegisterOutput } from '../../drivers/outputs/modbus.js';
import { MemoryOutput, type Level, type OutputDriver } from '../../drivers/outputs/output.js';
import type { Profile } from '../../config/index.js';
import { Linkage, type OutputCommand } from './linkage.js';

export interface OutputEvent {
  type: 'output';
  id: string;
  output: string;
  role: Output['role'];
  action: OutputCommand['action'];
  level: Level;
  status: 'commanded' | 'confirmed' | 'failed';
  reason: string;
  detail?: string;
  cause?: string;
  at: number;
}

export function createDriver(o: Output, config: Config, buses: ReadonlyMap<string, Bus>, profiles: Readonly<Record<string, Profile>>): OutputDriver {
  const d = o.driver;
  if (d.type === 'memory') return new MemoryOutput();
  if (d.type === 'gpio') return new GpioOutput(d.line, { ...(d.chip !== undefined ? { chip: d.chip } : {}), activeLow: d.activeLow });
  const device = config.devices.find((x) => x.id === d.device);
  const bus = device && buses.get(device.bus);
  if (!device || !bus) throw new Error(`output ${o.id}: device ${d.device} or its bus is missing`);
  if (d.type === 'modbus-coil') {
    const profile = profiles[device.profile];
    const feedback = profile && Object.values(profile.points).find((p) => p.fc === 2 && p.address === d.coil);
    return new ModbusCoilOutput(bus, device.slaveId, d.coil, feedback?.address);
  }
  return new ModbusRegisterOutput(bus, device.slaveId, d.register, { on: d.onValue, off: d.offValue });
}

export class OutputManager {
  readonly states = new Map<string, { level: Level | undefined; ok: boolean; detail?: string }>();

  constructor(
    private readonly outputs: ReadonlyMap<string, { config: Output; driver: OutputDriver }>,
    private readonly newId: () => string,
    private readonly now: () => number = Date.now,
  ) {
    for (const id of outputs.keys()) this.states.set(id, { level: undefined, ok: true });
  }

  async execute(commands: readonly OutputCommand[]): Promise<OutputEvent[]> {
    const events: OutputEvent[] = [];
    // Outputs are independent: a slow relay module must not hold the buzzer back.
    await Promise.all(commands.map(async (c) => events.push(...(await this.one(c)))));
    return events;
  }

  private async one(c: OutputCommand, retrySafe = true): Promise<OutputEvent[]> {
    const o = this.outputs.get(c.output);
    if (!o) return [];
    const base = { type: 'output' as const, output: c.output, role: c.role, action: c.action, level: c.level, reason: c.reason, ...(c.cause ? { cause: c.cause } : {}) };
    const events: OutputEvent[] = [{ ...base, id: this.newId(), status: 'commanded', at: this.now() }];
    try {
      const r = await o.driver.set(c.level);
      if (r.readBack !== undefined && r.readBack !== c.level) throw new Error(`read back ${r.readBack} after driving ${c.level}`);
      this.states.set(c.output, { level: c.level, ok: true });
      events.push({ ...base, id: this.newId(), status: 'confirmed', at: this.now(), detail: r.readBack !== undefined ? `read back ${r.readBack}` : 'no read-back on this driver' });
    } catch (err) {
      const detail = (err as Error).message;
      this.states.set(c.output, { level: undefined, ok: false, detail });
      events.push({ ...base, id: this.newId(), status: 'failed', at: this.now(), detail });
      const safe = o.config.role === 'gas-valve' ? Linkage.levelOf(o.config, 'close') : o.config.safeState;
      if (retrySafe && c.level !== safe) {
        events.push(...(await this.one({ output: c.output, role: c.role, action: o.config.role === 'gas-valve' ? 'close' : safe, level: safe, reason: `driver fault: safe state` }, false)));
      }
    }
    return events;
  }

  async close(): Promise<void> {
    await Promise.all([...this.outputs.values()].map((o) => o.driver.close()));
  }
}
