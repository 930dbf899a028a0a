// Server side of RTU framing on a byte stream (a serial port, or a TCP connection to a serial server):
// finds request frames by their length and CRC, skipping noise byte by byte, and writes the replies.

import { crcOk, withCrc } from '../../drivers/modbus/crc.js';
import { requestLength } from '../../drivers/modbus/pdu.js';
import type { Station } from './station.js';

/** A partial frame older than this is noise: a real master sends a frame in one go. */
const STALE_PARTIAL_MS = 100;

export class RtuServerStream {
  private buf: Buffer = Buffer.alloc(0);
  private lastData = 0;
  discarded = 0;
  served = 0;

  constructor(
    private readonly station: Station,
    private readonly send: (frame: Buffer) => void,
    private readonly drop: () => void,
  ) {}

  push(chunk: Buffer): void {
    const now = performance.now();
    if (this.buf.length && now - this.lastData > STALE_PARTIAL_MS) {
      this.discarded += this.buf.length;
      this.buf = Buffer.alloc(0);
    }
    this.lastData = now;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 4) {
      const pduLen = requestLength(this.buf.subarray(1));
      if (pduLen === undefined) {
        if (this.buf.length < 8) return; // fc 15/16 need their byte count first
        this.skip();
        continue;
      }
      const len = 1 + pduLen + 2;
      if (this.buf.length < len) return;
      if (!crcOk(this.buf, 0, len)) {
        this.skip();
        continue;
      }
      const slaveId = this.buf[0] as number;
      const pdu = Buffer.from(this.buf.subarray(1, len - 2));
      this.buf = this.buf.subarray(len);
      this.serve(slaveId, pdu);
    }
  }

  private skip(): void {
    this.discarded++;
    this.buf = this.buf.subarray(1);
  }

  private serve(slaveId: number, pdu: Buffer): void {
    if (slaveId === 0) return; // broadcast: no reply
    const a = this.station.handle(slaveId, pdu, 3);
    if (a.kind === 'silent') return;
    if (a.kind === 'drop') return this.drop();
    const frame = withCrc(Buffer.concat([Buffer.from([a.slaveId]), a.pdu]));
    if (a.corrupt) frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 0x5a;
    this.served++;
    if (a.delayMs > 0) setTimeout(() => this.send(frame), a.delayMs);
    else this.send(frame);
  }
}
