// A byte pipe to the field: a serial port or a TCP connection. The bus owns exactly one and runs one
// transaction at a time over it; the transport only moves bytes and reports when it closes.

import { EventEmitter } from 'node:events';

export interface TransportEvents {
  data: [chunk: Buffer];
  /** The link went away by itself (not through close()): `reason` says why (unplugged, peer closed). */
  close: [reason: string];
}

export abstract class Transport extends EventEmitter<TransportEvents> {
  /** For logs and status: "/dev/ttyUSB0 9600 8N1", "tcp 127.0.0.1:502". */
  abstract readonly label: string;
  /** Serial links are half-duplex RS-485 with character timing; TCP links are not. */
  abstract readonly kind: 'serial' | 'tcp';
  abstract get isOpen(): boolean;
  /** Opens the link; rejects with a clear reason (no such device, connection refused…). */
  abstract open(): Promise<void>;
  abstract write(data: Buffer): Promise<void>;
  /** Closes the link; resolves when it is closed. Safe to call when already closed. */
  abstract close(): Promise<void>;
}
