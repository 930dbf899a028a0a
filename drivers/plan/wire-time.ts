// Time a transaction takes on a serial line: request and reply frames at the baud rate plus the
// 3.5-character silence after each. The physical limit a bus cannot beat; the bench compares with it.

import { replyLength, type Request } from '../modbus/pdu.js';

function requestBytes(r: Request): number {
  // slave id + PDU + CRC
  const pdu = r.fc === 15 ? 6 + Math.ceil(r.values.length / 8) : r.fc === 16 ? 6 + r.values.length * 2 : 5;
  return 1 + pdu + 2;
}

function replyBytes(r: Request): number {
  return 1 + replyLength(r) + 2;
}

/** Milliseconds on the wire for one transaction, with `bitsPerChar` (10 for 8N1, 11 with parity). */
export function transactionWireMs(r: Request, baud: number, bitsPerChar = 10): number {
  const charMs = (bitsPerChar * 1000) / baud;
  const gap = baud > 19200 ? 1.75 : 3.5 * charMs;
  return (requestBytes(r) + replyBytes(r)) * charMs + 2 * gap;
}
