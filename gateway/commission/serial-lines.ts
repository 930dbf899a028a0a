// The serial lines of this box, stable names first: /dev/serial/by-id/* (the name survives a replug and a
// reboot, /dev/ttyUSB0 does not), then the USB adapters, the Pi's UART and the board's own ports that no
// by-id link already names.

import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

const KERNEL_NAMES = [/^ttyUSB\d+$/, /^ttyACM\d+$/, /^ttyAMA\d+$/, /^ttyS\d+$/];

export function findSerialLines(dev = '/dev'): string[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    } catch {
      return [];
    }
  };
  const out: string[] = [];
  const named = new Set<string>();
  for (const name of list(join(dev, 'serial', 'by-id'))) {
    const path = join(dev, 'serial', 'by-id', name);
    try {
      named.add(realpathSync(path));
    } catch {
      continue; // a dangling link: the adapter is gone
    }
    out.push(path);
  }
  for (const re of KERNEL_NAMES)
    for (const name of list(dev).filter((n) => re.test(n))) {
      const path = join(dev, name);
      if (!named.has(path)) out.push(path);
    }
  return out;
}
