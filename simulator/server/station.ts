// The devices behind one server and how a request to them is answered, faults included. The framing
// (RTU or MBAP) is the server's business; this decides what to answer, to whom, and when.

import { decodeRequest, encodeException, encodeReply } from '../../drivers/modbus/pdu.js';
import type { SimDevice } from '../device/sim-device.js';

export type Answer =
  | { kind: 'silent' } // no device at that id (a real bus stays silent), or a noReply fault
  | { kind: 'drop' } // close the connection
  | { kind: 'reply'; slaveId: number; pdu: Buffer; delayMs: number; corrupt: boolean };

export interface StationOptions {
  /** Line speed to pace replies at; undefined: answer at once. */
  baud?: number;
  bitsPerChar?: number;
  /** Behave as a Modbus TCP gateway: an id nobody answers to gets exception 0x0B instead of silence. */
  gateway?: boolean;
}

/** Modbus exception 0x0B: gateway target device failed to respond. */
const GATEWAY_TARGET_FAILED = 0x0b;

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
  private readonly bySlaveId = new Map<number, SimDevice>();

  constructor(
    readonly devices: readonly SimDevice[],
    private readonly opts: StationOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const d of devices) {
      if (this.bySlaveId.has(d.slaveId)) throw new Error(`two simulated devices answer slave id ${d.slaveId}`);
      this.bySlaveId.set(d.slaveId, d);
    }
  }

  /**
   * `frameOverhead` is what the framing adds around a PDU (RTU: id + CRC = 3 bytes), for pacing: the
   * reply is delayed by the time the request and the reply would take on a real line.
   */
  handle(slaveId: number, pdu: Buffer, frameOverhead: number): Answer {
    const device = this.bySlaveId.get(slaveId);
    if (!device) {
      // A Modbus TCP gateway to an RS-485 line answers for an id nobody on the line answers to with
      // exception 0x0B (gateway target device failed to respond); a lone device or an RTU line is silent.
      if (!this.opts.gateway || pdu.length === 0) return { kind: 'silent' };
      return { kind: 'reply', slaveId, pdu: encodeException((pdu[0] as number) & 0x7f, GATEWAY_TARGET_FAILED), delayMs: 0, corrupt: false };
    }
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
    if (this.opts.baud) {
      delayMs +=
        wireMs(pdu.length + out.length + 2 * frameOverhead, this.opts.baud, this.opts.bitsPerChar) + turnaroundMs(this.opts.baud, this.opts.bitsPerChar);
    }
    return { kind: 'reply', slaveId: f.wrongSlaveId ? (slaveId % 247) + 1 : slaveId, pdu: out, delayMs, corrupt: f.corrupt ?? false };
  }
}
