import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSerialLines } from './serial-lines.js';

const dev = mkdtempSync(join(tmpdir(), 'jx-dev-'));
afterAll(() => rmSync(dev, { recursive: true, force: true }));

describe('serial lines of the box', () => {
  it('by-id names first and instead of the kernel name they point to; then USB, ACM, AMA, S ports in order', () => {
    for (const n of ['ttyUSB0', 'ttyUSB1', 'ttyUSB10', 'ttyUSB2', 'ttyAMA0', 'ttyS0', 'ttyS1', 'ttyACM0', 'tty0', 'null']) writeFileSync(join(dev, n), '');
    mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
    symlinkSync(join(dev, 'ttyUSB1'), join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A10K7Q2B-if00-port0'));
    symlinkSync(join(dev, 'ttyUSB9'), join(dev, 'serial', 'by-id', 'usb-gone-if00-port0')); // dangling
    expect(findSerialLines(dev).map((p) => p.slice(dev.length + 1))).toEqual([
      'serial/by-id/usb-FTDI_FT232R_A10K7Q2B-if00-port0',
      'ttyUSB0',
      'ttyUSB2',
      'ttyUSB10',
      'ttyACM0',
      'ttyAMA0',
      'ttyS0',
      'ttyS1',
    ]);
  });

  it('a box without serial lines has none', () => expect(findSerialLines(join(dev, 'nothing-here'))).toEqual([]));
});
