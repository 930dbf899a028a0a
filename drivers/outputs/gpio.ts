// GPIO outputs and inputs through onoff (sysfs). Recent Raspberry Pi kernels number sysfs GPIOs from a
// chip base (512 on a Pi 4, 571 on a Pi 5), so the line number of the config (BCM offset on the chip)
// is added to the base read from /sys/class/gpio/gpiochip*/base; it is never hard-coded.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level, OutputDriver, SetResult } from './output.js';

export interface GpioChip {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export function listChips(sysfs = '/sys/class/gpio'): GpioChip[] {
  let names: string[];
  try {
    names = readdirSync(sysfs).filter((n) => n.startsWith('gpiochip'));
  } catch {
    return [];
  }
  return names.map((name) => {
    const read = (f: string) => readFileSync(join(sysfs, name, f), 'utf8').trim();
    return { name, label: read('label'), base: Number(read('base')), ngpio: Number(read('ngpio')) };
  });
}

/**
 * The sysfs number of `line` on a chip: the chip named by label, or else the SoC's pin controller
 * (label pinctrl-…, the 40-pin header on a Raspberry Pi), or else the only chip there is.
 */
export function sysfsNumber(line: number, chipLabel: string | undefined, sysfs = '/sys/class/gpio'): number {
  const chips = listChips(sysfs);
  if (chips.length === 0) throw new Error(`no GPIO chips under ${sysfs}: this machine has no sysfs GPIO (or it is not mounted)`);
  const chip =
    chipLabel !== undefined
      ? chips.find((c) => c.label === chipLabel)
      : (chips.find((c) => /^pinctrl-/.test(c.label)) ?? (chips.length === 1 ? chips[0] : undefined));
  const known = chips.map((c) => `${c.label} (base ${c.base}, ${c.ngpio} lines)`).join(', ');
  if (!chip)
    throw new Error(
      chipLabel !== undefined
        ? `no GPIO chip labelled "${chipLabel}"; chips: ${known}`
        : `several GPIO chips and none is the SoC's: name one with chip:; chips: ${known}`,
    );
  if (line >= chip.ngpio) throw new Error(`line ${line} is beyond chip ${chip.label}, which has ${chip.ngpio} lines`);
  return chip.base + line;
}

interface OnoffGpio {
  writeSync(v: 0 | 1): void;
  readSync(): 0 | 1;
  unexport(): void;
}

/** Loads onoff only when a GPIO is configured: it needs sysfs GPIO, which a build machine lacks. */
async function onoff(): Promise<{
  Gpio: new (
    n: number,
    dir: string,
    edge?: string,
    opts?: { activeLow?: boolean; reconfigureDirection?: boolean },
  ) => OnoffGpio & { watch(cb: (err: Error | null | undefined, v: 0 | 1) => void): void };
}> {
  const m = (await import('onoff')) as unknown as { Gpio: never; default?: { Gpio: never } };
  return { Gpio: m.Gpio ?? (m.default as { Gpio: never }).Gpio };
}

export class GpioOutput implements OutputDriver {
  readonly label: string;
  private gpio: OnoffGpio | undefined;

  constructor(
    private readonly line: number,
    private readonly options: { chip?: string; activeLow: boolean; sysfs?: string },
  ) {
    this.label = `gpio ${options.chip ?? 'soc'} line ${line}${options.activeLow ? ' (active low)' : ''}`;
  }

  /**
   * Takes the line over without a glitch. Left an output by the last stop (a fan held on through a
   * restart), it keeps its level: its direction is not written again (writing "out" would drive it low).
   * Otherwise it becomes an output already at `level` (sysfs "high"/"low" are the physical levels).
   */
  private async open(level: Level | undefined): Promise<OnoffGpio> {
    if (this.gpio) return this.gpio;
    const n = sysfsNumber(this.line, this.options.chip, this.options.sysfs);
    const { Gpio } = await onoff();
    const high = level === undefined ? false : (level === 'on') !== this.options.activeLow;
    this.gpio = new Gpio(n, high ? 'high' : 'low', undefined, { activeLow: this.options.activeLow, reconfigureDirection: false });
    return this.gpio;
  }

  async set(level: Level): Promise<SetResult> {
    const g = await this.open(level);
    g.writeSync(level === 'on' ? 1 : 0);
    return { readBack: g.readSync() === 1 ? 'on' : 'off' };
  }

  async read(): Promise<Level | undefined> {
    const g = await this.open(undefined);
    return g.readSync() === 1 ? 'on' : 'off';
  }

  /** Lets go of the line and leaves it driven: what a stop set it to holds after the process (a fan
   *  ventilating a gas leak stays on through a restart). Unexporting would hand the pin back to the
   *  kernel's default. */
  async close(): Promise<void> {
    this.gpio = undefined;
  }
}

/** A GPIO input (reset button, dry contact): calls back with the logical level on every edge. */
export async function watchGpioInput(
  line: number,
  options: { chip?: string; activeLow: boolean; sysfs?: string },
  onChange: (active: boolean) => void,
): Promise<{ read(): boolean; close(): void }> {
  const n = sysfsNumber(line, options.chip, options.sysfs);
  const { Gpio } = await onoff();
  const g = new Gpio(n, 'in', 'both', { activeLow: options.activeLow });
  g.watch((err, v) => {
    if (!err) onChange(v === 1);
  });
  return { read: () => g.readSync() === 1, close: () => g.unexport() };
}
