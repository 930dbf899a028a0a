// The driver of each configured output: a GPIO line, a coil or register of a relay module on a bus, or
// memory (tests, demos). Contact feedback is read only where the config names it (`feedback.input`).

import type { Config, Output } from '../../config/index.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { GpioOutput } from '../../drivers/outputs/gpio.js';
import { ModbusCoilOutput, ModbusRegisterOutput } from '../../drivers/outputs/modbus.js';
import { MemoryOutput, type OutputDriver } from '../../drivers/outputs/output.js';

export function createDriver(o: Output, config: Config, buses: ReadonlyMap<string, Bus>): OutputDriver {
  const d = o.driver;
  if (d.type === 'memory') return new MemoryOutput();
  if (d.type === 'gpio') return new GpioOutput(d.line, { ...(d.chip !== undefined ? { chip: d.chip } : {}), activeLow: d.activeLow });
  const device = config.devices.find((x) => x.id === d.device);
  const bus = device && buses.get(device.bus);
  if (!device || !bus) throw new Error(`output ${o.id}: device ${d.device} or its bus is missing`);
  if (d.type === 'modbus-coil') return new ModbusCoilOutput(bus, device.slaveId, d.coil, d.feedback?.input);
  return new ModbusRegisterOutput(bus, device.slaveId, d.register, { on: d.onValue, off: d.offValue });
}

/** The outputs driven through a device (a relay module): retried at once when it comes back online. */
export function outputsOfDevice(config: Config, device: string): string[] {
  return config.outputs.filter((o) => (o.driver.type === 'modbus-coil' || o.driver.type === 'modbus-register') && o.driver.device === device).map((o) => o.id);
}
