// Master-side framing: turns a request PDU into bytes on the wire and finds, in whatever bytes come
// back, the one reply that matches the request in flight. Everything else (stale bytes, a late reply
// to an earlier request, a reply from another slave, noise, a frame with a bad CRC) is discarded and
// counted, never returned as data (docs/architecture.md invariant 4). One object per bus: one request in flight.

import { crcOk, withCrc } from './crc.js';
import { ModbusError } from './errors.js';
import { decodeReply, EXCEPTION_LENGTH, replyLength, type Reply, type Request } from './pdu.js';

export interface FramingCounters {
  /** Bytes thrown away that were not part of any recognisable frame. */
  discardedBytes: number;
  /** Frames that looked like the awaited reply but failed their CRC. */
  crcErrors: number;
  /** Well-formed frames that answered something else: another slave id, another transaction. */
  foreignFrames: number;
  /** Frames from the right slave with the right function whose content did not match the request. */
  mismatches: number;
}

export type Outcome = { reply: Reply } | { error: ModbusError };

export interface Framing {
  readonly counters: FramingCounters;
  /** Bytes to send for `request` to `slaveId`; also starts waiting for its reply. Stale buffered bytes go. */
  begin(slaveId: number, request: Request, pdu: Buffer): Buffer;
  /** Feeds received bytes; returns the outcome once the awaited reply is complete. */
  push(chunk: Buffer): Outcome | undefined;
  /** Stops waiting (timeout, close): buffered bytes are discarded and counted. */
  reset(): void;
}

function emptyCounters(): FramingCounters {
  return { discardedBytes: 0, crcErrors: 0, foreignFrames: 0, mismatches: 0 };
}

/** RTU: slave id + PDU + CRC-16, frames delimited by silence. The master knows the reply length from the
 *  request, so it scans for a frame of exactly that length rather than timing the silence (which a
 *  USB adapter or a serial server blurs anyway). */
export class RtuFraming implements Framing {
  readonly counters = emptyCounters();
  private buf: Buffer = Buffer.alloc(0);
  private slaveId = -1;
  private request: Request | undefined;

  begin(slaveId: number, request: Request, pdu: Buffer): Buffer {
    this.reset();
    this.slaveId = slaveId;
    this.request = request;
    return withCrc(Buffer.concat([Buffer.from([slaveId]), pdu]));
  }

  reset(): void {
    this.counters.discardedBytes += this.buf.length;
    this.buf = Buffer.alloc(0);
    this.request = undefined;
  }

  push(chunk: Buffer): Outcome | undefined {
    if (!this.request) {
      this.counters.discardedBytes += chunk.length; // nothing in flight: late or unsolicited bytes
      return undefined;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const req = this.request;
    const normal = 1 + replyLength(req) + 2;
    const exception = 1 + EXCEPTION_LENGTH + 2;
    while (this.buf.length >= 4) {
      const b = this.buf;
      const fc = b[1] as number;
      const isOurs = b[0] === this.slaveId;
      const isException = fc === (req.fc | 0x80);
      if (fc === req.fc || isException) {
        const len = isException ? exception : normal;
        if (b.length < len) {
          if (isOurs) return undefined; // wait for the rest of a frame that may be ours
        } else if (crcOk(b, 0, len)) {
          if (!isOurs) {
            this.counters.foreignFrames++;
            this.drop(len);
            continue;
          }
          const pdu = b.subarray(1, len - 2);
          try {
            const reply = decodeReply(req, pdu);
            if (reply === null) {
              this.counters.mismatches++;
              this.drop(len);
              continue;
            }
            this.counters.discardedBytes += b.length - len;
            this.buf = Buffer.alloc(0);
            this.request = undefined;
            return { reply };
          } catch (err) {
            this.counters.discardedBytes += b.length - len;
            this.buf = Buffer.alloc(0);
            this.request = undefined;
            return { error: err as ModbusError };
          }
        } else if (isOurs) {
          this.counters.crcErrors++;
        }
      }
      this.drop(1);
    }
    return undefined;
  }

  private drop(n: number): void {
    if (n === 1) this.counters.discardedBytes++;
    this.buf = this.buf.subarray(n);
  }
}

/** Modbus TCP: MBAP header (transaction id, protocol 0, length, unit id) + PDU. A reply must carry the
 *  transaction id and unit id of the request in flight; a late reply to an earlier transaction has an
 *  older id and is dropped. */
export class MbapFraming implements Framing {
  readonly counters = emptyCounters();
  private buf: Buffer = Buffer.alloc(0);
  private tid = 0;
  private slaveId = -1;
  private request: Request | undefined;

  begin(slaveId: number, request: Request, pdu: Buffer): Buffer {
    this.reset();
    this.tid = (this.tid + 1) & 0xffff;
    this.slaveId = slaveId;
    this.request = request;
    const head = Buffer.alloc(7);
    head.writeUInt16BE(this.tid, 0);
    head.writeUInt16BE(0, 2);
    head.writeUInt16BE(pdu.length + 1, 4);
    head[6] = slaveId;
    return Buffer.concat([head, pdu]);
  }

  reset(): void {
    // TCP is a stream: bytes of a frame still arriving must be consumed as a frame, not dropped
    // mid-way, or the next header would be read from the middle of a PDU. Only a complete mess is cut.
    this.request = undefined;
  }

  push(chunk: Buffer): Outcome | undefined {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 7) {
      const b = this.buf;
      const protocol = b.readUInt16BE(2);
      const len = b.readUInt16BE(4);
      if (protocol !== 0 || len < 2 || len > 254) {
        // Not MBAP: no way to find the next frame boundary in a stream. Drop it all; the transaction
        // times out and the bus may reconnect.
        this.counters.discardedBytes += b.length;
        this.buf = Buffer.alloc(0);
        return undefined;
      }
      if (b.length < 6 + len) return undefined;
      const frame = b.subarray(0, 6 + len);
      this.buf = b.subarray(6 + len);
      const req = this.request;
      if (!req || frame.readUInt16BE(0) !== this.tid || frame[6] !== this.slaveId) {
        this.counters.foreignFrames++;
        continue;
      }
      try {
        const reply = decodeReply(req, frame.subarray(7));
        if (reply === null) {
          this.counters.mismatches++;
          continue;
        }
        this.request = undefined;
        return { reply };
      } catch (err) {
        this.request = undefined;
        return { error: err as ModbusError };
      }
    }
    return undefined;
  }
}
