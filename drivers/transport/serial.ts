// Serial link (RS-485 through a USB adapter or a UART) on `serialport`. An unplugged adapter shows as a
// 'close' with err.disconnected; the bus reopens with backoff. Prefer /dev/serial/by-id/… paths: they
// survive replugging, /dev/ttyUSB0 may not.

import { createRequire } from 'node:module';
import type { SerialPort } from 'serialport';
import { Transport } from './transport.js';

// serialport (≈ 17 MB of RSS with its native binding) is loaded when a serial line is opened: a box whose
// buses are all Modbus TCP never carries it (bench/footprint).
const requireLazily = createRequire(import.meta.url);
let serialportModule: typeof import('serialport') | undefined;
const serialportLib = () => (serialportModule ??= requireLazily('serialport') as typeof import('serialport'));

export interface SerialOptions {
  path: string;
  baud: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

export class SerialTransport extends Transport {
  readonly kind = 'serial' as const;
  readonly label: string;
  private port: SerialPort | undefined;

  constructor(private readonly options: SerialOptions) {
    super();
    this.label = `${options.path} ${options.baud} ${options.dataBits}${options.parity[0]?.toUpperCase()}${options.stopBits}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    const o = this.options;
    const { SerialPort: Port } = serialportLib();
    const port = new Port({ path: o.path, baudRate: o.baud, parity: o.parity, dataBits: o.dataBits, stopBits: o.stopBits, autoOpen: false });
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) {
          const msg = /ENOENT|No such file/.test(err.message)
            ? `no such serial device ${o.path}`
            : /EACCES|Permission/.test(err.message)
              ? `permission denied on ${o.path} (is the user in group dialout?)`
              : err.message;
          reject(new Error(msg));
          return;
        }
        port.on('data', (chunk: Buffer) => this.emit('data', chunk));
        port.on('error', () => {
          // 'close' carries the report.
        });
        port.once('close', (e: (Error & { disconnected?: boolean }) | null) => {
          // Only a close we did not ask for is news: close() clears this.port first.
          if (this.port !== port) return;
          this.port = undefined;
          this.emit('close', e?.disconnected ? `${o.path} was unplugged` : 'port closed');
        });
        this.port = port;
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error('port not open'));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => {
        if (err) reject(err);
        else port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    if (!port) return Promise.resolve();
    this.port = undefined;
    return new Promise((resolve) => {
      if (!port.isOpen) return resolve();
      port.close(() => resolve());
    });
  }
}
