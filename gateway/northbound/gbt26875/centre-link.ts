// The box as a user information transmission device (用户信息传输装置) towards one GB/T 26875.3 centre:
// one TCP connection it keeps up, the centre's queue of the outbox drained in order (alarms first), each
// frame sent and its confirm awaited (the standard: ≤ 10 s, 3 sends), then the next; no confirm after
// the last send: the connection is dropped and made again, and the same frame goes first. A row of the
// queue goes only when every frame made from it is confirmed (or denied: the centre refusing a frame
// gets the same answer every time, so it is logged and counted, not resent for ever). A kill -9 between
// a send and its confirm resends it after the restart: the centre may see a frame twice, never none.
// Between frames, the centre's requests are answered, its clock sync taken, its inspection (查岗) answered.

import { connect, type Socket } from 'node:net';
import type { Centre } from '../../../config/index.js';
import type { DestinationQueue } from '../../outbox/destinations.js';
import type { Logger } from '../../log/logger.js';
import { Allowance } from '../../log/allowance.js';
import { LogThrottle } from '../../log/throttle.js';
import { COMMANDS, encodeFrame, FrameReader, Gb26875Error, dateOf, timeLabelOf, type CommandByte, type Frame } from './frame.js';
import type { ComponentMap } from './components.js';
import { analogValue, componentStatus, descriptionText, systemStatus, transmitterStatus, unitsFor } from './mapping.js';
import { TRANSMITTER_OPERATION } from './tables.js';
import { decodeUnit, encodeUnit, type DataUnit, type InfoObject } from './units.js';

/** Answers to the centre's requests at once, then per second (an inspection, a query: a person asks). */
const REPLY_BURST = 20;
const REPLIES_PER_S = 10;
/** Unsent bytes on the socket beyond which the centre is taken not to read: no more answers for now. */
const REPLY_BUFFER_BYTES = 64 * 1024;

export interface CentreLinkOptions {
  centre: Centre;
  /** The venue's time zone (config gateway.timeZone): every time label is in it. */
  zone: string;
  maps: readonly ComponentMap[];
  queue: DestinationQueue;
  log: Logger;
  /** The channels' states now (for the transmitter status, and the centre's questions). */
  channels: () => readonly { device: string; channel: string; state: 'normal' | 'warning' | 'alarm' | 'fault'; test: boolean }[];
  /** The last reading of a channel, for a query of its analog value. */
  reading: (device: string, channel: string) => number | undefined;
  /** The centre's clock sync (type 90): its time, for our clock's quality. */
  onClock: (centreNow: Date) => void;
  /** This box's software version (type 25) and what it is (type 26). */
  version: { major: number; minor: number };
  describe: string;
  reconnectMaxMs?: number;
}

export interface CentrePicture {
  connected: boolean;
  error: string | null;
  backlog: number;
  confirmed: number;
  denied: number;
  resent: number;
  lastConfirmAt: string | null;
}

interface InFlight {
  frame: Frame;
  bytes: Uint8Array;
  sends: number;
  timer?: NodeJS.Timeout;
  /** The queue row it comes from and whether it is that row's last frame; none for heartbeats and answers. */
  row?: { rowid: number; last: boolean };
}

export class CentreLink {
  private socket: Socket | undefined;
  private connected = false;
  private stopped = false;
  private reader = new FrameReader();
  private serial = 0;
  private inFlight: InFlight | undefined;
  /** Frames of the current queue row not yet sent (its first ones are confirmed). */
  private rowFrames: { rowid: number; units: DataUnit[] } | undefined;
  /**
   * Frames made here (transmitter status, its clock, an inspection answer), at most one of each kind: a
   * centre asking a thousand times is answered once, not a thousand frames that starve an alarm (issue 22).
   * Sent before the queue's events, after its alarms.
   */
  private readonly local = new Map<'status' | 'clock' | 'inspection', DataUnit>();
  /** Answers to the centre's requests: a burst, then a steady rate; beyond, a request goes unanswered. */
  private readonly replies = new Allowance(REPLY_BURST, REPLIES_PER_S);
  private retryMs = 1000;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastSendAt = 0;
  private readonly byAddress: Map<number, ComponentMap>;
  private readonly byChannel: Map<string, ComponentMap>;
  private readonly operations: { operation: number; at: Date }[] = [];
  /** Lines the centre can cause, rate-limited (issue 21): a centre sending garbage must not fill the disk. */
  private readonly noisy: LogThrottle;
  private readonly stats = { confirmed: 0, denied: 0, resent: 0, unanswered: 0, lastConfirmAt: null as string | null, error: null as string | null };

  constructor(private readonly o: CentreLinkOptions) {
    this.noisy = new LogThrottle(o.log);
    this.byAddress = new Map(o.maps.map((m) => [m.componentAddress, m]));
    this.byChannel = new Map(o.maps.map((m) => [`${m.device}/${m.channel}`, m]));
  }

  start(): void {
    this.open();
    const every = this.o.centre.heartbeatS * 1000;
    this.heartbeatTimer = setInterval(
      () => {
        if (this.connected && !this.inFlight && Date.now() - this.lastSendAt >= every - 50) this.queueLocal('status', this.statusUnit());
      },
      Math.min(every, 5000),
    );
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.socket?.destroy();
    this.noisy.flush();
  }

  /** Something was committed for the centre: send it if the line is free. */
  kick(): void {
    this.pump();
  }

  picture(): CentrePicture {
    return {
      connected: this.connected,
      error: this.stats.error,
      backlog: this.o.queue.size,
      confirmed: this.stats.confirmed,
      denied: this.stats.denied,
      resent: this.stats.resent,
      lastConfirmAt: this.stats.lastConfirmAt,
    };
  }

  private open(): void {
    if (this.stopped) return;
    const { host, port } = this.o.centre;
    const socket = connect({ host, port });
    this.socket = socket;
    this.reader = new FrameReader();
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.retryMs = 1000;
      this.stats.error = null;
      this.noisy.info('centre-connection', { centre: `${host}:${port}` }, 'connected to the monitoring centre');
      // The transmitter's status and its clock first: the centre learns the box is there, how it is, and
      // what time it keeps (an offset shows there; the centre may answer with a clock sync).
      this.local.set('status', this.statusUnit());
      this.local.set('clock', { type: 28, objects: [{ type: 28, clock: timeLabelOf(new Date(), this.o.zone) }] });
      this.pump();
    });
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err) => {
      this.stats.error = err.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const was = this.connected;
      this.connected = false;
      if (this.inFlight) {
        clearTimeout(this.inFlight.timer);
        // Sent again first on the next connection, same serial: the row is still in the queue.
        this.inFlight = undefined;
        this.rowFrames = undefined;
      }
      if (was) this.noisy.warn('centre-connection', { reason: this.stats.error ?? 'closed' }, 'monitoring centre connection lost: reconnecting');
      if (this.stopped) return;
      this.reconnectTimer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, this.o.reconnectMaxMs ?? 30_000);
    });
  }

  /** Queues a frame made here; one already waiting of the same kind is replaced (the newer says more). */
  private queueLocal(kind: 'status' | 'clock' | 'inspection', unit: DataUnit): void {
    this.local.set(kind, unit);
    this.pump();
  }

  /** Frames made here that wait (at most one per kind). */
  get waitingLocal(): number {
    return this.local.size;
  }

  /** Requests of the centre left unanswered (too many, or it does not read), and bytes not yet sent. */
  get pressure(): { unanswered: number; unsentBytes: number } {
    return { unanswered: this.stats.unanswered, unsentBytes: this.socket?.writableLength ?? 0 };
  }

  /** Sends the next frame if connected and nothing waits for a confirm. */
  private pump(): void {
    if (!this.connected || this.inFlight) return;
    // The rest of a row already begun goes first; then an alarm of the queue; then the frames made here.
    while (!this.rowFrames || this.rowFrames.units.length === 0) {
      if (this.rowFrames) {
        this.o.queue.done(this.rowFrames.rowid);
        this.rowFrames = undefined;
      }
      const [next] = this.o.queue.next(1);
      if (!next || (next.topic !== 'alarm' && this.local.size > 0)) return this.sendLocal();
      let units: DataUnit[] = [];
      try {
        units = unitsFor(next.topic, JSON.parse(next.payload.toString('utf8')) as Record<string, unknown>, this.byChannel, this.o.centre, this.o.zone);
      } catch (err) {
        this.o.log.error({ err: { message: (err as Error).message }, id: next.id }, 'message not sent to the centre: cannot be mapped');
      }
      this.rowFrames = { rowid: next.rowid, units };
    }
    const unit = this.rowFrames.units.shift() as DataUnit;
    this.send(COMMANDS.send, unit, { rowid: this.rowFrames.rowid, last: this.rowFrames.units.length === 0 });
  }

  /** Sends the oldest frame made here, if one waits. */
  private sendLocal(): void {
    const first = this.local.entries().next().value;
    if (!first) return;
    this.local.delete(first[0]);
    this.send(COMMANDS.send, first[1]);
  }

  private nextSerial(): number {
    this.serial = (this.serial + 1) % 0x10000;
    return this.serial;
  }

  private frame(command: CommandByte, data: Uint8Array, serial: number): Frame {
    const c = this.o.centre;
    return { serial, version: c.version, time: timeLabelOf(new Date(), this.o.zone), source: c.address, destination: c.centreAddress, command, data };
  }

  private send(command: CommandByte, unit: DataUnit, row?: { rowid: number; last: boolean }): void {
    const frame = this.frame(command, encodeUnit(unit), this.nextSerial());
    const bytes = encodeFrame(frame);
    this.inFlight = { frame, bytes, sends: 0, ...(row ? { row } : {}) };
    if (unit.type === 24) for (const o of unit.objects) if (o.type === 24 && o.operation !== TRANSMITTER_OPERATION.inspectionAnswer) this.remember(o.operation);
    this.transmit();
  }

  private transmit(): void {
    const f = this.inFlight;
    if (!f || !this.socket) return;
    f.sends++;
    if (f.sends > 1) this.stats.resent++;
    this.socket.write(f.bytes);
    this.lastSendAt = Date.now();
    clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      if (this.inFlight !== f) return;
      if (f.sends <= this.o.centre.retries) return this.transmit();
      this.stats.error = `no confirm for serial ${f.frame.serial} after ${f.sends} sends`;
      this.o.log.warn({ serial: f.frame.serial, sends: f.sends }, 'no confirm from the monitoring centre: reconnecting');
      this.socket?.destroy();
    }, this.o.centre.confirmTimeoutMs);
  }

  /** A frame of ours is through (confirmed or denied): its row goes once its last frame is. */
  private settled(f: InFlight): void {
    clearTimeout(f.timer);
    this.inFlight = undefined;
    if (f.row?.last) {
      this.o.queue.done(f.row.rowid);
      this.rowFrames = undefined;
    }
    this.pump();
  }

  private received(chunk: Buffer): void {
    const { frames, rejected } = this.reader.push(chunk);
    for (const r of rejected) this.noisy.warn('centre-bytes', { reason: r.reason, skipped: r.skipped }, `bytes from the centre dropped: ${r.message}`);
    for (const f of frames) this.answer(f);
  }

  private answer(f: Frame): void {
    const mine = this.inFlight;
    if ((f.command === COMMANDS.confirm || f.command === COMMANDS.deny) && mine && f.serial === mine.frame.serial) {
      if (f.command === COMMANDS.confirm) {
        this.stats.confirmed++;
        this.stats.lastConfirmAt = new Date().toISOString();
      } else {
        this.stats.denied++;
        this.noisy.error('centre-denied', { serial: f.serial, type: mine.frame.data[0] }, 'the monitoring centre denied a frame: not sent again');
      }
      return this.settled(mine);
    }
    if (f.command === COMMANDS.confirm || f.command === COMMANDS.deny) return; // late, for a frame already settled
    let unit: DataUnit | undefined;
    try {
      unit = f.data.length ? decodeUnit(f.data) : undefined;
    } catch (err) {
      this.noisy.warn('centre-unit', { reason: (err as Gb26875Error).reason, serial: f.serial }, `centre's data unit refused: ${(err as Error).message}`);
      return this.reply(f, COMMANDS.deny);
    }
    if (f.command === COMMANDS.request && unit) return this.query(f, unit);
    if (f.command === COMMANDS.control && unit) return this.control(f, unit);
    this.reply(f, COMMANDS.deny);
  }

  /** Confirm, deny or reply to the centre's frame `to`, under its serial (not awaited: answers are not confirmed). */
  private reply(to: Frame, command: CommandByte, unit?: DataUnit): void {
    if (!this.socket || !this.connected) return;
    // Bounded: a centre that asks faster than it could need, or does not read what we send, gets no more
    // answers until it slows down (memory stays bounded; our own frames keep their turn).
    if (this.socket.writableLength > REPLY_BUFFER_BYTES || !this.replies.take()) {
      this.stats.unanswered++;
      this.noisy.warn(
        'centre-unanswered',
        { unanswered: this.stats.unanswered },
        'the monitoring centre asks faster than it is answered (or does not read): a request left unanswered',
      );
      return;
    }
    this.socket.write(encodeFrame(this.frame(command, unit ? encodeUnit(unit) : new Uint8Array(0), to.serial)));
  }

  private control(f: Frame, unit: DataUnit): void {
    const o = unit.objects[0] as InfoObject;
    if (o.type === 90) {
      const when = dateOf(o.clock, this.o.zone);
      if (!when) return this.reply(f, COMMANDS.deny);
      this.o.onClock(when);
      this.noisy.info('centre-clock', { centre: when.toISOString() }, 'clock sync from the monitoring centre');
      return this.reply(f, COMMANDS.confirm);
    }
    if (o.type === 91) {
      if (this.o.centre.inspection === 'off') return this.reply(f, COMMANDS.deny);
      this.reply(f, COMMANDS.confirm);
      this.noisy.info('centre-inspection', { timeoutMinutes: o.timeoutMinutes }, 'inspection (查岗) from the monitoring centre: answered');
      this.remember(TRANSMITTER_OPERATION.inspectionAnswer);
      return this.queueLocal('inspection', {
        type: 24,
        objects: [{ type: 24, operation: TRANSMITTER_OPERATION.inspectionAnswer, operator: 0, time: timeLabelOf(new Date(), this.o.zone) }],
      });
    }
    // 89 (initialise the transmitter) and anything else: not done remotely on a box that drives gas valves.
    this.reply(f, COMMANDS.deny);
  }

  /** Keeps the last operations for the centre's query of them (type 84). */
  private remember(operation: number): void {
    this.operations.push({ operation, at: new Date() });
    if (this.operations.length > 32) this.operations.shift();
  }

  private query(f: Frame, unit: DataUnit): void {
    const c = this.o.centre;
    const now = timeLabelOf(new Date(), this.o.zone);
    const o = unit.objects[0] as InfoObject;
    const ours = (x: { systemType: number; systemAddress: number }) => x.systemType === c.systemType && x.systemAddress === c.systemAddress;
    const sys = { systemType: c.systemType, systemAddress: c.systemAddress };
    const channels = this.o.channels();
    const component = (address: number) => {
      const m = this.byAddress.get(address);
      const ch = m && channels.find((x) => x.device === m.device && x.channel === m.channel);
      return m && ch ? { m, ch } : undefined;
    };
    let answer: DataUnit | undefined;
    switch (o.type) {
      case 81:
        answer = this.statusUnit();
        break;
      case 84: {
        const records = this.operations.slice(-Math.max(1, o.records));
        if (records.length)
          answer = { type: 24, objects: records.map((r) => ({ type: 24, operation: r.operation, operator: 0, time: timeLabelOf(r.at, this.o.zone) })) };
        break;
      }
      case 85:
        answer = { type: 25, objects: [{ type: 25, ...this.o.version }] };
        break;
      case 86:
        answer = { type: 26, objects: [{ type: 26, description: this.o.describe }] };
        break;
      case 88:
        answer = { type: 28, objects: [{ type: 28, clock: now }] };
        break;
      case 61:
        if (ours(o)) answer = { type: 1, objects: [{ type: 1, ...sys, status: systemStatus(channels), time: now }] };
        break;
      case 62: {
        const x = ours(o) ? component(o.componentAddress) : undefined;
        if (x) {
          const obj = {
            type: 2 as const,
            ...sys,
            componentType: x.m.componentType,
            componentAddress: x.m.componentAddress,
            status: componentStatus(x.ch.state, x.ch.test),
            description: descriptionText(x.m.description),
            time: now,
          };
          answer = { type: 2, objects: [obj] };
        }
        break;
      }
      case 63: {
        const x = ours(o) ? component(o.componentAddress) : undefined;
        const value = x && x.m.analogType > 0 ? this.o.reading(x.m.device, x.m.channel) : undefined;
        if (x && value !== undefined) {
          const obj = {
            type: 3 as const,
            ...sys,
            componentType: x.m.componentType,
            componentAddress: x.m.componentAddress,
            analogType: x.m.analogType,
            value: analogValue(value, x.m.analogScale),
            time: now,
          };
          answer = { type: 3, objects: [obj] };
        }
        break;
      }
      case 65:
        if (ours(o)) answer = { type: 5, objects: [{ type: 5, ...sys, ...this.o.version }] };
        break;
      case 66:
        if (ours(o)) answer = { type: 6, objects: [{ type: 6, ...sys, description: this.o.describe }] };
        break;
      case 67: {
        const m = ours(o) ? this.byAddress.get(o.componentAddress) : undefined;
        if (m) {
          const obj = {
            type: 7 as const,
            ...sys,
            componentType: m.componentType,
            componentAddress: m.componentAddress,
            description: descriptionText(m.description),
          };
          answer = { type: 7, objects: [obj] };
        }
        break;
      }
      case 68:
        if (ours(o)) answer = { type: 8, objects: [{ type: 8, ...sys, clock: now }] };
        break;
      default:
        break;
    }
    if (answer) this.reply(f, COMMANDS.reply, answer);
    else this.reply(f, COMMANDS.deny);
  }

  private statusUnit(): DataUnit {
    return { type: 21, objects: [{ type: 21, status: transmitterStatus(this.o.channels()), time: timeLabelOf(new Date(), this.o.zone) }] };
  }
}
