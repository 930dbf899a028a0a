// What can go wrong with one Modbus transaction, as codes a status page and an event can carry.

export type ModbusErrorCode =
  | 'timeout' // no complete, matching reply in time
  | 'exception' // the device answered with an exception (exceptionCode 1–11)
  | 'port-closed' // the serial port or TCP connection is not open
  | 'bad-request' // the request itself is invalid (never sent)
  | 'aborted'; // the bus was stopped

const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export class ModbusError extends Error {
  constructor(
    readonly code: ModbusErrorCode,
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'ModbusError';
  }

  /** Short reason for status pages and events: "timeout", "exception 2", "port closed". */
  get reason(): string {
    if (this.code === 'exception') return `exception ${this.exceptionCode ?? '?'}`;
    return this.code.replace('-', ' ');
  }
}

export function exceptionError(fc: number, code: number): ModbusError {
  const name = EXCEPTION_NAMES[code] ?? 'unknown exception';
  return new ModbusError('exception', `exception ${code} (${name}) to function ${fc}`, code);
}
