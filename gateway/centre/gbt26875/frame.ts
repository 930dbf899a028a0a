// GB/T 26875.3-2011 frames: `@@` | serial (2, low byte first) | version (main, user) | time label (6:
// s m h D M Y) | source address (6, low byte first) | destination address (6, low byte first) | length of
// the application data unit (2, low byte first, ≤ 1024) | command (1) | application data unit | checksum
// (1: the sum of bytes 3–27 and of the data unit, carries dropped) | `##`.
// Every field is kept as it came (time label bytes included), so a decoded frame encodes to the same bytes.

import { wallClock, zoneOffsetMs } from '../../wall-clock.js';

const MAX_DATA_LENGTH = 1024;
/** `@@` and the 25 bytes of the control unit. */
const HEADER_LENGTH = 27;
/** Checksum and `##`. */
const TRAILER_LENGTH = 3;
const START = 0x40; // '@'
const END = 0x23; // '#'

/** The command byte (Table 2). */
export const COMMANDS = { control: 1, send: 2, confirm: 3, request: 4, reply: 5, deny: 6 } as const;
type CommandName = keyof typeof COMMANDS;
export type CommandByte = (typeof COMMANDS)[CommandName];
const COMMAND_BYTES = new Set<number>(Object.values(COMMANDS));

/** The 6-byte time label as sent: second, minute, hour, day, month, year (year is 2000 + the byte). */
export interface TimeLabel {
  second: number;
  minute: number;
  hour: number;
  day: number;
  month: number;
  year: number;
}

export interface Frame {
  /** Business serial number (业务流水号): the sender counts up; a confirm or reply carries the one it answers. */
  serial: number;
  version: { main: number; user: number };
  time: TimeLabel;
  /** 6-byte addresses as numbers (0 … 2^48 − 1), low byte first on the wire. */
  source: number;
  destination: number;
  command: CommandByte;
  /** The application data unit, undecoded (empty for most confirms and denials): see ./units.ts. */
  data: Uint8Array;
}

/** Why bytes are not a frame. Stable codes for logs and tests; the message says where. */
export type RejectReason = 'start' | 'incomplete' | 'length' | 'end' | 'checksum' | 'command' | 'junk' | 'type' | 'count' | 'unit-length' | 'text' | 'field';

export class Gb26875Error extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'Gb26875Error';
  }
}

/** The byte sum of the control unit and the data unit, carries dropped. */
export function checksum(bytes: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum = (sum + (bytes[i] as number)) & 0xff;
  return sum;
}

/**
 * The time label of an instant: the wall-clock time in `zone` (an IANA name; the venue's, Asia/Shanghai
 * by default), never the process's own zone — a box left at UTC would otherwise send every frame eight
 * hours off (issue 22).
 */
export function timeLabelOf(d: Date, zone: string): TimeLabel {
  const p = wallClock(d.getTime(), zone);
  return { second: p.second, minute: p.minute, hour: p.hour, day: p.day, month: p.month, year: p.year };
}

/** 2000-01-01T00:00:00 in China: the earliest time a label can carry (its year byte counts from 2000). */
const EARLIEST_LABEL = Date.UTC(1999, 11, 31, 16);

/**
 * The label to send for an instant: a clock before 2000 (a board without a real-time clock, before NTP)
 * is sent as 2000-01-01 rather than failing every frame.
 */
export function sendableLabel(d: Date, zone: string): TimeLabel {
  return timeLabelOf(d.getTime() < EARLIEST_LABEL ? new Date(EARLIEST_LABEL) : d, zone);
}

/** The instant a label names in `zone`, or undefined when its fields are not a time that exists there. */
export function dateOf(t: TimeLabel, zone: string): Date | undefined {
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (Number.isNaN(asUtc) || t.second > 59) return undefined;
  // The zone's offset at the guess, twice: once more where the offset changes in between (summer time).
  let at = asUtc;
  for (let i = 0; i < 2; i++) at = asUtc - zoneOffsetMs(at, zone);
  const back = timeLabelOf(new Date(at), zone);
  const same = (Object.keys(back) as (keyof TimeLabel)[]).every((k) => back[k] === t[k]);
  return same ? new Date(at) : undefined;
}

export function writeTime(out: Uint8Array, at: number, t: TimeLabel): void {
  out[at] = t.second;
  out[at + 1] = t.minute;
  out[at + 2] = t.hour;
  out[at + 3] = t.day;
  out[at + 4] = t.month;
  out[at + 5] = t.year - 2000;
}

export function readTime(b: Uint8Array, at: number): TimeLabel {
  return {
    second: b[at] as number,
    minute: b[at + 1] as number,
    hour: b[at + 2] as number,
    day: b[at + 3] as number,
    month: b[at + 4] as number,
    year: 2000 + (b[at + 5] as number),
  };
}

export function writeUint(out: Uint8Array, at: number, value: number, bytes: number): void {
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

export function readUint(b: Uint8Array, at: number, bytes: number): number {
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + (b[at + i] as number);
  return v;
}

export function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Gb26875Error('field', `${name} must be a whole number 0–${max}, got ${value}`);
}

export function checkTime(t: TimeLabel, where: string): void {
  for (const k of ['second', 'minute', 'hour', 'day', 'month'] as const) checkField(`${where} ${k}`, t[k], 255);
  if (!Number.isInteger(t.year) || t.year < 2000 || t.year > 2255) throw new Gb26875Error('field', `${where} year must be 2000–2255, got ${t.year}`);
}

export function encodeFrame(f: Frame): Uint8Array {
  checkField('serial', f.serial, 0xffff);
  checkField('main version', f.version.main, 0xff);
  checkField('user version', f.version.user, 0xff);
  checkTime(f.time, 'time label');
  checkField('source address', f.source, 2 ** 48 - 1);
  checkField('destination address', f.destination, 2 ** 48 - 1);
  if (!COMMAND_BYTES.has(f.command)) throw new Gb26875Error('command', `command byte ${String(f.command)} is not one of 1–6`);
  if (f.data.length > MAX_DATA_LENGTH) throw new Gb26875Error('length', `data unit of ${f.data.length} bytes is over the ${MAX_DATA_LENGTH}-byte limit`);
  const out = new Uint8Array(HEADER_LENGTH + f.data.length + TRAILER_LENGTH);
  out[0] = START;
  out[1] = START;
  writeUint(out, 2, f.serial, 2);
  out[4] = f.version.main;
  out[5] = f.version.user;
  writeTime(out, 6, f.time);
  writeUint(out, 12, f.source, 6);
  writeUint(out, 18, f.destination, 6);
  writeUint(out, 24, f.data.length, 2);
  out[26] = f.command;
  out.set(f.data, HEADER_LENGTH);
  const end = HEADER_LENGTH + f.data.length;
  out[end] = checksum(out, 2, end);
  out[end + 1] = END;
  out[end + 2] = END;
  return out;
}

/** One whole frame, nothing before or after it. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const r = frameAt(bytes, 0);
  if (r.frame === undefined) throw new Gb26875Error(r.reason, r.message);
  if (r.size !== bytes.length) throw new Gb26875Error('junk', `${bytes.length - r.size} bytes after the frame's ##`);
  return r.frame;
}

/** A failure carries the frame's serial once its control unit is there to read (to deny it under it). */
type At = { frame: Frame; size: number } | { frame?: undefined; reason: RejectReason; message: string; serial?: number };

/** The frame starting at `at`, or why there is none (`incomplete`: more bytes may make one). */
function frameAt(b: Uint8Array, at: number): At {
  const left = b.length - at;
  if (left >= 1 && b[at] !== START) return { reason: 'start', message: `frame starts with 0x${hex(b[at])}, not @@` };
  if (left >= 2 && b[at + 1] !== START) return { reason: 'start', message: `frame starts with @ 0x${hex(b[at + 1])}, not @@` };
  if (left < HEADER_LENGTH) return { reason: 'incomplete', message: `${left} bytes: a frame has at least ${HEADER_LENGTH + TRAILER_LENGTH}` };
  const length = readUint(b, at + 24, 2);
  const serial = readUint(b, at + 2, 2);
  if (length > MAX_DATA_LENGTH) return { reason: 'length', message: `data unit length ${length} is over ${MAX_DATA_LENGTH}`, serial };
  const size = HEADER_LENGTH + length + TRAILER_LENGTH;
  if (left < size) return { reason: 'incomplete', message: `${left} of the ${size} bytes the length field announces` };
  const end = at + HEADER_LENGTH + length;
  if (b[end + 1] !== END || b[end + 2] !== END) {
    return { reason: 'end', message: `no ## after the ${length}-byte data unit (got 0x${hex(b[end + 1])} 0x${hex(b[end + 2])})`, serial };
  }
  const sum = checksum(b, at + 2, end);
  if (b[end] !== sum) return { reason: 'checksum', message: `checksum 0x${hex(b[end])}, the bytes add up to 0x${hex(sum)}`, serial };
  const command = b[at + 26] as number;
  if (!COMMAND_BYTES.has(command)) return { reason: 'command', message: `command byte ${command} is not one of 1–6`, serial };
  return {
    size,
    frame: {
      serial,
      version: { main: b[at + 4] as number, user: b[at + 5] as number },
      time: readTime(b, at + 6),
      source: readUint(b, at + 12, 6),
      destination: readUint(b, at + 18, 6),
      command: command as CommandByte,
      data: b.slice(at + HEADER_LENGTH, end),
    },
  };
}

function hex(n: number | undefined): string {
  return (n ?? 0).toString(16).padStart(2, '0');
}

export interface Rejected {
  reason: RejectReason;
  message: string;
  /** How many bytes were dropped for it. */
  skipped: number;
  /** The serial of a frame whose control unit was readable (its checksum, length, end or command is not). */
  serial?: number;
  /** How many rejections this one stands for: past the first few of a push, like ones are counted together. */
  count: number;
}

/** Rejections listed one by one per push; more of the same reason are counted into the last (a flood of
 *  '@' is a "frame" every two bytes, and a list of each would grow with the flood). */
const LISTED_REJECTIONS = 16;

/**
 * Frames out of a TCP byte stream. Bytes that are not a frame (line noise, a frame with a bad checksum,
 * a half frame after a reconnect) are dropped up to the next `@@` and reported, so one bad frame costs
 * only itself.
 */
export class FrameReader {
  private buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): { frames: Frame[]; rejected: Rejected[] } {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    const frames: Frame[] = [];
    const rejected: Rejected[] = [];
    const reject = (r: Omit<Rejected, 'count'>) => {
      const last = rejected.at(-1);
      if (rejected.length >= LISTED_REJECTIONS && last && last.reason === r.reason) {
        last.count++;
        last.skipped += r.skipped;
      } else rejected.push({ ...r, count: 1 });
    };
    let at = 0;
    while (at < joined.length) {
      const start = nextStart(joined, at);
      if (start > at) {
        reject({ reason: 'junk', message: `${start - at} bytes that are not a frame`, skipped: start - at });
        at = start;
        if (at >= joined.length) break;
      }
      const r = frameAt(joined, at);
      if (r.frame) {
        frames.push(r.frame);
        at += r.size;
        continue;
      }
      if (r.reason === 'incomplete') {
        // Wait for the rest, unless a whole frame already follows: then this start was noise.
        const later = completeFrameAfter(joined, at + 1);
        if (later === undefined) break;
        reject({ reason: 'junk', message: `${later - at} bytes of a frame that never completed`, skipped: later - at });
        at = later;
        continue;
      }
      // A bad frame: drop its @@ and look for the next one (the announced length cannot be trusted).
      const next = nextStart(joined, at + 2);
      reject({ reason: r.reason, message: r.message, skipped: next - at, ...(r.serial !== undefined ? { serial: r.serial } : {}) });
      at = next;
    }
    this.buf = joined.slice(at);
    return { frames, rejected };
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }
}

/** The start of the first whole, valid frame after `from`, if there is one. */
function completeFrameAfter(b: Uint8Array, from: number): number | undefined {
  for (let i = nextStart(b, from); i < b.length; i = nextStart(b, i + 1)) if (frameAt(b, i).frame) return i;
  return undefined;
}

/** The index of the next `@@` at or after `from`; a lone '@' at the very end counts (its pair may follow). */
function nextStart(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) {
    if (b[i] !== START) continue;
    if (i + 1 === b.length || b[i + 1] === START) return i;
  }
  return b.length;
}
