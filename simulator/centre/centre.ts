// A simulated fire-monitoring centre (城市消防远程监控中心) speaking GB/T 26875.3 over TCP: it accepts the
// boxes' connections, checks every frame with the same codec the box uses (a frame it cannot read is
// recorded with the reason, never confirmed), confirms what it gets, and on request denies, delays, stays
// silent, drops the connection, or sends its own requests, clock sync and inspection (查岗). Everything it
// receives and sends is recorded (`got`, and JSON lines to a file if asked), for tests and the demo.

import { appendFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { COMMANDS, encodeFrame, FrameReader, sendableLabel, type CommandByte, type Frame } from '../../gateway/centre/gbt26875/frame.js';
import { decodeUnit, encodeUnit, type DataUnit } from '../../gateway/centre/gbt26875/units.js';

export interface CentreRecord {
  at: string;
  /** in: from a box; out: sent by the centre. */
  dir: 'in' | 'out';
  serial: number;
  command: CommandByte;
  source: number;
  destination: number;
  unit?: DataUnit;
  /** A frame or data unit that could not be read, and why. */
  rejected?: string;
}

/** What the centre does with the next frames of data it gets (send data, command 2). */
export type Behaviour =
  { answer: 'confirm' } | { answer: 'deny'; count?: number } | { answer: 'silent'; count?: number } | { answer: 'drop' } | { answer: 'delay'; ms: number };

export interface CentreOptions {
  port?: number;
  host?: string;
  /** The centre's own 6-byte address. */
  address?: number;
  /** JSON lines of every record, appended. */
  recordFile?: string;
  /** The zone of the centre's time labels (default Asia/Shanghai, as a Chinese centre keeps). */
  zone?: string;
}

export class SimCentre {
  readonly got: CentreRecord[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private behaviour: Behaviour = { answer: 'confirm' };
  private left = Infinity;
  private serial = 0;
  private readonly waiting = new Map<number, (f: Frame) => void>();

  constructor(private readonly o: CentreOptions = {}) {}

  async listen(): Promise<number> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** How the next data frames are answered: `count` of them (default: all until changed). */
  behave(b: Behaviour): void {
    this.behaviour = b;
    this.left = 'count' in b && b.count !== undefined ? b.count : Infinity;
  }

  /** Data units received from the boxes (send data), in order, with their frame's serial. */
  units(): { serial: number; unit: DataUnit }[] {
    return this.got.filter((r) => r.dir === 'in' && r.command === COMMANDS.send && r.unit).map((r) => ({ serial: r.serial, unit: r.unit as DataUnit }));
  }

  /** Sends a request (command 4) or control (1) to every connected box; resolves with the first answer. */
  ask(command: CommandByte, unit: DataUnit, timeoutMs = 5000): Promise<Frame> {
    const serial = this.nextSerial();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(serial);
        reject(new Error(`no answer to serial ${serial} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(serial, (f) => {
        clearTimeout(t);
        resolve(f);
      });
      for (const s of this.sockets) this.write(s, command, serial, 0, encodeUnit(unit));
    });
  }

  /** Sends bytes as they are to every connected box (a broken or hostile centre: bad sums, floods). */
  raw(bytes: Uint8Array): void {
    for (const s of this.sockets) if (!s.destroyed) s.write(bytes);
  }

  /** Drops every connection now (a centre restart, a network cut). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private nextSerial(): number {
    this.serial = (this.serial + 1) % 0x10000;
    return this.serial;
  }

  private record(r: Omit<CentreRecord, 'at'>): void {
    const full = { at: new Date().toISOString(), ...r };
    this.got.push(full);
    if (this.o.recordFile) appendFileSync(this.o.recordFile, `${JSON.stringify(full)}\n`);
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    const reader = new FrameReader();
    s.on('data', (chunk: Buffer) => {
      const { frames, rejected } = reader.push(chunk);
      for (const r of rejected)
        this.record({ dir: 'in', serial: -1, command: 0 as CommandByte, source: 0, destination: 0, rejected: `${r.reason}: ${r.message}` });
      for (const f of frames) this.frame(s, f);
    });
    s.on('error', () => s.destroy());
    s.on('close', () => this.sockets.delete(s));
  }

  private frame(s: Socket, f: Frame): void {
    let unit: DataUnit | undefined;
    let rejected: string | undefined;
    try {
      unit = f.data.length ? decodeUnit(f.data) : undefined;
    } catch (err) {
      rejected = (err as Error).message;
    }
    this.record({
      dir: 'in',
      serial: f.serial,
      command: f.command,
      source: f.source,
      destination: f.destination,
      ...(unit ? { unit } : {}),
      ...(rejected ? { rejected } : {}),
    });
    // An answer to one of our requests.
    const waiter = this.waiting.get(f.serial);
    if (waiter && f.command !== COMMANDS.send) {
      this.waiting.delete(f.serial);
      return waiter(f);
    }
    if (f.command !== COMMANDS.send) return;
    if (rejected) return this.write(s, COMMANDS.deny, f.serial, f.source);
    const b = this.left > 0 ? this.behaviour : ({ answer: 'confirm' } as const);
    if (this.left > 0) this.left--;
    switch (b.answer) {
      case 'confirm':
        return this.write(s, COMMANDS.confirm, f.serial, f.source);
      case 'deny':
        return this.write(s, COMMANDS.deny, f.serial, f.source);
      case 'silent':
        return;
      case 'drop':
        s.destroy();
        return;
      case 'delay':
        setTimeout(() => this.write(s, COMMANDS.confirm, f.serial, f.source), b.ms);
        return;
    }
  }

  private write(s: Socket, command: CommandByte, serial: number, to: number, data: Uint8Array = new Uint8Array(0)): void {
    if (s.destroyed) return;
    const frame: Frame = {
      serial,
      version: { main: 1, user: 0 },
      time: sendableLabel(new Date(), this.o.zone ?? 'Asia/Shanghai'),
      source: this.o.address ?? 0,
      destination: to,
      command,
      data,
    };
    s.write(encodeFrame(frame));
    this.record({ dir: 'out', serial, command, source: frame.source, destination: to, ...(data.length ? { unit: decodeUnit(data) } : {}) });
  }
}
