// The application data unit of GB/T 26875.3-2011 (§8): type (1) + number of information objects (1) +
// the objects, all of that type. Layouts (§8.2, §8.3; see README.md for the sources): system type and
// address 1 byte each, component address 4 bytes and status words low byte first, analog values signed
// 16-bit low byte first, descriptions GB 18030 in fixed 31 bytes padded with NUL, time labels 6 bytes.

import iconv from 'iconv-lite';
import { checkField, checkTime, Gb26875Error, readTime, readUint, writeTime, writeUint, type TimeLabel } from './frame.js';

interface System {
  systemType: number;
  systemAddress: number;
}
interface Component extends System {
  componentType: number;
  componentAddress: number;
}

/** What an information object holds, by its type flag (Table 3). */
export type InfoObject =
  | ({ type: 1; status: number; time: TimeLabel } & System)
  | ({ type: 2; status: number; description: string; time: TimeLabel } & Component)
  | ({ type: 3; analogType: number; value: number; time: TimeLabel } & Component)
  | ({ type: 4; operation: number; operator: number; time: TimeLabel } & System)
  | ({ type: 5; major: number; minor: number } & System)
  | ({ type: 6; description: string } & System)
  | ({ type: 7; description: string } & Component)
  | ({ type: 8; clock: TimeLabel } & System)
  | { type: 21; status: number; time: TimeLabel }
  | { type: 24; operation: number; operator: number; time: TimeLabel }
  | { type: 25; major: number; minor: number }
  | { type: 26; description: string }
  | { type: 28; clock: TimeLabel }
  | ({ type: 61 | 65 | 66 | 68 } & System)
  | ({ type: 62 | 63 | 67 } & System & { componentAddress: number })
  | ({ type: 64 } & System & { records: number; from: TimeLabel })
  | { type: 81 | 85 | 86 | 88 | 89; reserved: number }
  | { type: 84; records: number; from: TimeLabel }
  | { type: 90; clock: TimeLabel }
  | { type: 91; timeoutMinutes: number };

type InfoType = InfoObject['type'];

export interface DataUnit {
  type: InfoType;
  objects: InfoObject[];
}

/** Fixed object sizes (with their time labels); 6 and 26 carry a length byte and vary. */
const SIZES: Readonly<Record<number, number>> = {
  1: 10,
  2: 46,
  3: 16,
  4: 10,
  5: 4,
  7: 38,
  8: 8,
  21: 7,
  24: 8,
  25: 2,
  28: 6,
  61: 2,
  62: 6,
  63: 6,
  64: 9,
  65: 2,
  66: 2,
  67: 6,
  68: 2,
  81: 1,
  84: 7,
  85: 1,
  86: 1,
  88: 1,
  89: 1,
  90: 6,
  91: 1,
};
const VARIABLE = new Set([6, 26]);
export const INFO_TYPES: readonly number[] = [...Object.keys(SIZES).map(Number), ...VARIABLE].sort((a, b) => a - b);

const DESCRIPTION_BYTES = 31;

/** GB 18030 bytes of a text, cut at a character boundary to fit `max` bytes. */
export function gb18030(text: string, max: number): Uint8Array {
  let bytes = iconv.encode(text, 'gb18030');
  if (bytes.length <= max) return bytes;
  let chars = [...text];
  while (bytes.length > max) {
    chars = chars.slice(0, -1);
    bytes = iconv.encode(chars.join(''), 'gb18030');
  }
  return bytes;
}

/** Text from GB 18030 bytes; bytes that do not round-trip (not GB 18030) are refused. */
function textOf(bytes: Uint8Array, where: string): string {
  const text = iconv.decode(Buffer.from(bytes), 'gb18030');
  const again = iconv.encode(text, 'gb18030');
  if (!Buffer.from(bytes).equals(again)) throw new Gb26875Error('text', `${where} is not GB 18030 text`);
  return text;
}

function readDescription(b: Uint8Array, at: number): string {
  let end = at + DESCRIPTION_BYTES;
  while (end > at && b[end - 1] === 0) end--;
  return textOf(b.subarray(at, end), 'component description');
}

function writeDescription(out: Uint8Array, at: number, text: string): void {
  const bytes = iconv.encode(text, 'gb18030');
  if (bytes.length > DESCRIPTION_BYTES)
    throw new Gb26875Error('field', `description "${text}" is ${bytes.length} bytes in GB 18030, over ${DESCRIPTION_BYTES}`);
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0) throw new Gb26875Error('field', 'description must not end in NUL (it is the padding)');
  out.set(bytes, at);
}

export function encodeUnit(u: DataUnit): Uint8Array {
  if (!INFO_TYPES.includes(u.type)) throw new Gb26875Error('type', `information type ${u.type} is not one this codec knows`);
  if (u.objects.length < 1 || u.objects.length > 255) throw new Gb26875Error('count', `a data unit holds 1–255 objects, got ${u.objects.length}`);
  const parts = u.objects.map((o, i) => {
    if (o.type !== u.type) throw new Gb26875Error('type', `object ${i + 1} is of type ${o.type} in a data unit of type ${u.type}`);
    return encodeObject(o);
  });
  const out = new Uint8Array(2 + parts.reduce((n, p) => n + p.length, 0));
  out[0] = u.type;
  out[1] = u.objects.length;
  let at = 2;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function decodeUnit(data: Uint8Array): DataUnit {
  if (data.length < 2) throw new Gb26875Error('unit-length', `a data unit has at least 2 bytes (type, count), got ${data.length}`);
  const type = data[0] as number;
  const count = data[1] as number;
  if (!INFO_TYPES.includes(type)) throw new Gb26875Error('type', `unknown information type ${type}`);
  if (count === 0) throw new Gb26875Error('count', `type ${type} with 0 objects`);
  const objects: InfoObject[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const size = VARIABLE.has(type) ? variableSize(data, at, type) : (SIZES[type] as number);
    if (at + size > data.length) {
      throw new Gb26875Error('unit-length', `type ${type}: object ${i + 1} of ${count} needs ${size} bytes, ${Math.max(0, data.length - at)} left`);
    }
    objects.push(decodeObject(type, data.subarray(at, at + size)));
    at += size;
  }
  if (at !== data.length) throw new Gb26875Error('unit-length', `type ${type} × ${count}: ${data.length - at} bytes left over`);
  return { type: type as InfoType, objects };
}

function variableSize(b: Uint8Array, at: number, type: number): number {
  // Type 6: system type, system address, L, L bytes; type 26: L, L bytes.
  const lengthAt = type === 6 ? at + 2 : at;
  if (lengthAt >= b.length) throw new Gb26875Error('unit-length', `type ${type}: the object's length byte is missing`);
  return lengthAt - at + 1 + (b[lengthAt] as number);
}

function system(b: Uint8Array): System {
  return { systemType: b[0] as number, systemAddress: b[1] as number };
}

function component(b: Uint8Array): Component {
  return { ...system(b), componentType: b[2] as number, componentAddress: readUint(b, 3, 4) };
}

function decodeObject(type: number, b: Uint8Array): InfoObject {
  switch (type) {
    case 1:
      return { type, ...system(b), status: readUint(b, 2, 2), time: readTime(b, 4) };
    case 2:
      return { type, ...component(b), status: readUint(b, 7, 2), description: readDescription(b, 9), time: readTime(b, 40) };
    case 3: {
      const raw = readUint(b, 8, 2);
      return { type, ...component(b), analogType: b[7] as number, value: raw >= 0x8000 ? raw - 0x10000 : raw, time: readTime(b, 10) };
    }
    case 4:
      return { type, ...system(b), operation: b[2] as number, operator: b[3] as number, time: readTime(b, 4) };
    case 5:
      return { type, ...system(b), major: b[2] as number, minor: b[3] as number };
    case 6:
      return { type, ...system(b), description: textOf(b.subarray(3), 'system description') };
    case 7:
      return { type, ...component(b), description: readDescription(b, 7) };
    case 8:
      return { type, ...system(b), clock: readTime(b, 2) };
    case 21:
      return { type, status: b[0] as number, time: readTime(b, 1) };
    case 24:
      return { type, operation: b[0] as number, operator: b[1] as number, time: readTime(b, 2) };
    case 25:
      return { type, major: b[0] as number, minor: b[1] as number };
    case 26:
      return { type, description: textOf(b.subarray(1), 'configuration description') };
    case 28:
    case 90:
      return { type, clock: readTime(b, 0) };
    case 61:
    case 65:
    case 66:
    case 68:
      return { type, ...system(b) };
    case 62:
    case 63:
    case 67:
      return { type, ...system(b), componentAddress: readUint(b, 2, 4) };
    case 64:
      return { type, ...system(b), records: b[2] as number, from: readTime(b, 3) };
    case 84:
      return { type, records: b[0] as number, from: readTime(b, 1) };
    case 91:
      return { type, timeoutMinutes: b[0] as number };
    default:
      return { type: type as 81, reserved: b[0] as number };
  }
}

function encodeObject(o: InfoObject): Uint8Array {
  // Types 6 and 26: a length byte and the text, encoded once; their size follows from it.
  const text = o.type === 6 || o.type === 26 ? lengthPrefixed(o.description) : undefined;
  const size = text ? (o.type === 6 ? 2 : 0) + text.length : (SIZES[o.type] as number);
  const b = new Uint8Array(size);
  const sys = (x: System) => {
    checkField('system type', x.systemType, 255);
    checkField('system address', x.systemAddress, 255);
    b[0] = x.systemType;
    b[1] = x.systemAddress;
  };
  const comp = (x: Component) => {
    sys(x);
    checkField('component type', x.componentType, 255);
    checkField('component address', x.componentAddress, 0xffffffff);
    b[2] = x.componentType;
    writeUint(b, 3, x.componentAddress, 4);
  };
  const byte = (name: string, v: number, at: number) => {
    checkField(name, v, 255);
    b[at] = v;
  };
  const time = (t: TimeLabel, at: number) => {
    checkTime(t, `type ${o.type} time`);
    writeTime(b, at, t);
  };
  switch (o.type) {
    case 1:
      sys(o);
      checkField('system status', o.status, 0xffff);
      writeUint(b, 2, o.status, 2);
      time(o.time, 4);
      break;
    case 2:
      comp(o);
      checkField('component status', o.status, 0xffff);
      writeUint(b, 7, o.status, 2);
      writeDescription(b, 9, o.description);
      time(o.time, 40);
      break;
    case 3:
      comp(o);
      byte('analog type', o.analogType, 7);
      if (!Number.isInteger(o.value) || o.value < -32768 || o.value > 32767) {
        throw new Gb26875Error('field', `analog value must be a whole number −32768–32767 (in the analog type's unit), got ${o.value}`);
      }
      writeUint(b, 8, o.value < 0 ? o.value + 0x10000 : o.value, 2);
      time(o.time, 10);
      break;
    case 4:
      sys(o);
      byte('operation', o.operation, 2);
      byte('operator', o.operator, 3);
      time(o.time, 4);
      break;
    case 5:
      sys(o);
      byte('major version', o.major, 2);
      byte('minor version', o.minor, 3);
      break;
    case 6:
      sys(o);
      b.set(text as Uint8Array, 2);
      break;
    case 7:
      comp(o);
      writeDescription(b, 7, o.description);
      break;
    case 8:
      sys(o);
      time(o.clock, 2);
      break;
    case 21:
      byte('transmitter status', o.status, 0);
      time(o.time, 1);
      break;
    case 24:
      byte('operation', o.operation, 0);
      byte('operator', o.operator, 1);
      time(o.time, 2);
      break;
    case 25:
      byte('major version', o.major, 0);
      byte('minor version', o.minor, 1);
      break;
    case 26:
      b.set(text as Uint8Array, 0);
      break;
    case 28:
    case 90:
      time(o.clock, 0);
      break;
    case 61:
    case 65:
    case 66:
    case 68:
      sys(o);
      break;
    case 62:
    case 63:
    case 67:
      sys(o);
      checkField('component address', o.componentAddress, 0xffffffff);
      writeUint(b, 2, o.componentAddress, 4);
      break;
    case 64:
      sys(o);
      byte('records', o.records, 2);
      time(o.from, 3);
      break;
    case 84:
      byte('records', o.records, 0);
      time(o.from, 1);
      break;
    case 91:
      byte('timeout minutes', o.timeoutMinutes, 0);
      break;
    default:
      byte('reserved', o.reserved, 0);
  }
  return b;
}

/** A text as types 6 and 26 carry it: its length in one byte, then its GB 18030 bytes. */
function lengthPrefixed(description: string): Uint8Array {
  const bytes = iconv.encode(description, 'gb18030');
  if (bytes.length > 255) throw new Gb26875Error('field', `description of ${bytes.length} bytes in GB 18030 is over 255`);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}
