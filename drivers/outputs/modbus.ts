// Outputs on an RS-485 relay module: a coil (fc 05) or a holding register (fc 06), read back after the
// write: the contact feedback input where the config names one (`feedback: { input: N }`), else the coil
// or register itself. Feedback is never guessed from the profile: on many modules the discrete inputs
// are independent dry-contact inputs, and taking them for feedback would make every read-back disagree.
// Writes and read-backs go to the bus with write priority: they overtake the polling queue.

import type { Bus } from '../bus/bus.js';
import type { Level, OutputDriver, SetResult } from './output.js';

export class ModbusCoilOutput implements OutputDriver {
  readonly label: string;

  constructor(
    private readonly bus: Bus,
    private readonly slaveId: number,
    private readonly coil: number,
    /** Discrete input that mirrors the contact, when the module has feedback. */
    private readonly feedbackInput?: number,
  ) {
    this.label = `coil ${coil} of slave ${slaveId} on bus ${bus.options.id}`;
  }

  async set(level: Level): Promise<SetResult> {
    await this.bus.execute(this.slaveId, { fc: 5, address: this.coil, value: level === 'on' }, { priority: 'write' });
    const readBack = await this.read();
    return readBack === undefined ? {} : { readBack };
  }

  async read(): Promise<Level | undefined> {
    const r =
      this.feedbackInput !== undefined
        ? await this.bus.execute(this.slaveId, { fc: 2, address: this.feedbackInput, count: 1 }, { priority: 'write' })
        : await this.bus.execute(this.slaveId, { fc: 1, address: this.coil, count: 1 }, { priority: 'write' });
    const bit = 'bits' in r ? r.bits[0] : undefined;
    return bit === undefined ? undefined : bit ? 'on' : 'off';
  }

  async close(): Promise<void> {}
}

export class ModbusRegisterOutput implements OutputDriver {
  readonly label: string;

  constructor(
    private readonly bus: Bus,
    private readonly slaveId: number,
    private readonly register: number,
    private readonly values: { on: number; off: number },
  ) {
    this.label = `register ${register} of slave ${slaveId} on bus ${bus.options.id}`;
  }

  async set(level: Level): Promise<SetResult> {
    const value = level === 'on' ? this.values.on : this.values.off;
    await this.bus.execute(this.slaveId, { fc: 6, address: this.register, value }, { priority: 'write' });
    const readBack = await this.read();
    return readBack === undefined ? {} : { readBack };
  }

  async read(): Promise<Level | undefined> {
    const r = await this.bus.execute(this.slaveId, { fc: 3, address: this.register, count: 1 }, { priority: 'write' });
    const got = 'registers' in r ? r.registers[0] : undefined;
    return got === this.values.on ? 'on' : got === this.values.off ? 'off' : undefined;
  }

  async close(): Promise<void> {}
}
