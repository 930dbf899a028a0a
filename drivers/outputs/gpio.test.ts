// GPIO numbering from a fake sysfs tree: the chip base is read, never hard-coded (Pi 4 base 512, Pi 5 571).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listChips, sysfsNumber } from './gpio.js';

const root = mkdtempSync(join(tmpdir(), 'jx-sysfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeSysfs(name: string, chips: { name: string; label: string; base: number; ngpio: number }[]): string {
  const dir = join(root, name);
  for (const c of chips) {
    mkdirSync(join(dir, c.name), { recursive: true });
    writeFileSync(join(dir, c.name, 'label'), `${c.label}\n`);
    writeFileSync(join(dir, c.name, 'base'), `${c.base}\n`);
    writeFileSync(join(dir, c.name, 'ngpio'), `${c.ngpio}\n`);
  }
  return dir;
}

describe('GPIO numbering', () => {
  const pi4 = fakeSysfs('pi4', [
    { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
    { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
  ]);
  const pi5 = fakeSysfs('pi5', [
    { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
    { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  ]);

  it('uses the SoC pin controller by default: BCM 17 is 529 on a Pi 4, 588 on a Pi 5', () => {
    expect(sysfsNumber(17, undefined, pi4)).toBe(529);
    expect(sysfsNumber(17, undefined, pi5)).toBe(588);
  });

  it('a chip named by label', () => {
    expect(sysfsNumber(2, 'raspberrypi-exp-gpio', pi4)).toBe(572);
  });

  it('clear errors: unknown chip, line beyond the chip, no GPIO at all', () => {
    expect(() => sysfsNumber(1, 'nope', pi4)).toThrow(/no GPIO chip labelled "nope"; chips: pinctrl-bcm2711 \(base 512, 58 lines\)/);
    expect(() => sysfsNumber(60, undefined, pi4)).toThrow(/line 60 is beyond chip pinctrl-bcm2711, which has 58 lines/);
    expect(() => sysfsNumber(1, undefined, join(root, 'none'))).toThrow(/no GPIO chips under/);
    expect(
      listChips(pi5)
        .map((c) => c.base)
        .sort(),
    ).toEqual([512, 571]);
  });
});
