// CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), sent low byte first. Table-driven: a poll cycle
// checks every reply, and at 115200 baud a bus can carry ~1000 frames a second.

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  TABLE[i] = c;
}

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ (TABLE[(crc ^ (buf[i] as number)) & 0xff] as number);
  return crc;
}

/** True when the last two bytes of buf[start, end) are the CRC of the bytes before them. */
export function crcOk(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 4) return false;
  const crc = crc16(buf, start, end - 2);
  return (buf[end - 2] as number) === (crc & 0xff) && (buf[end - 1] as number) === crc >>> 8;
}

/** Appends the CRC to a frame body (slave id + PDU). */
export function withCrc(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length + 2);
  out.set(body, 0);
  const crc = crc16(body);
  out[body.length] = crc & 0xff;
  out[body.length + 1] = crc >>> 8;
  return out;
}
