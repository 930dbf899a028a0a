// The devices behind one server and how a request to them is answered, faults included. The framing
// (RTU or MBAP) is the server's business; this decides what to answer, to whom, and when.

import { decodeRequest, encodeException, encodeReply } from '../../drivers/modbus/pdu.js';
import type { SimDevice } from '../device/sim-device.js';

export type Answer =
  | { kind: 'silent' } // no device at that id (a real bus stays silent), or a noReply fault
  | { kind: 'drop' } // close the connection
  | { kind: 'reply'; unit: number; pdu: Buffer; delayMs: number; corrupt: boolean };

export interface PacingOptions {
  /** Line speed to pace replies at; undefined: answer at once. */
  baud?: number;
  bitsPerChar?: number;
}

/** Time a frame of `bytes` takes on the wire. */
export function wireMs(bytes: number, baud: number, bitsPerChar = 10): number {
  return (bytes * bitsPerChar * 1000) / baud;
}

/** The silence a device keeps between the end of a request and its reply: 3.5 characters, at least
 *  1.75 ms above 19200 baud (Modbus over serial line §2.5.1.1). */
export function turnaroundMs(baud: number, bitsPerChar = 10): number {
  return baud > 19200 ? 1.75 : (3.5 * bitsPerChar * 1000) / baud;
}

export class Station {
  private readonly byUnit = new Map<number, SimDevice>();

  constructor(
    readonly devices: readonly SimDevice[],
    private readonly pacing: PacingOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const d of devices) {
      if (this.byUnit.has(d.unit)) throw new Error(`two simulated devices answer slave id ${d.unit}`);
      this.byUnit.set(d.unit, d);
    }
  }

  /**
   * `frameOverhead` is what the framing adds around a PDU (RTU: id + CRC = 3 bytes), for pacing: the
   * reply is delayed by the time the request and the reply would take on a real line.
   */
  handle(unit: number, pdu: Buffer, frameOverhead: number): Answer {
    const device = this.byUnit.get(unit);
    if (!device) return { kind: 'silent' };
    const now = this.now();
    if (device.linkDown(now)) return { kind: 'silent' };
    const parsed = decodeRequest(pdu);
    const answer = parsed.ok ? device.answer(parsed.request, now) : { exception: parsed.exception };
    const out = 'reply' in answer ? encodeReply(answer.reply) : encodeException(parsed.ok ? parsed.request.fc : parsed.fc, answer.exception);
    const faulty = device.faultsApply();
    const f = faulty ? device.faults : {};
    if (f.noReply) return { kind: 'silent' };
    if (f.dropConnection) return { kind: 'drop' };
    let delayMs = f.delayMs ?? 0;
    if (this.pacing.baud) {
      delayMs += wireMs(pdu.length + out.length + 2 * frameOverhead, this.pacing.baud, this.pacing.bitsPerChar) + turnaroundMs(this.pacing.baud, this.pacing.bitsPerChar);
    }
    return { kind: 'reply', unit: f.wrongSlaveId ? (unit % 247) + 1 : unit, pdu: out, delayMs, corrupt: f.corrupt ?? false };
  }
}
