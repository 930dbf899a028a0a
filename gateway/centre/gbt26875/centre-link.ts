// The box as a user information transmission device (用户信息传输装置) towards one GB/T 26875.3 centre:
// one TCP connection it keeps up, the centre's queue drained in order (alarms first), each frame sent and
// its confirm awaited, then the next (docs/gbt26875.md says all of it to the centre's operator):
// - no confirm within the timeout: the same frame (same serial) is sent again, up to the retry count;
//   then the connection is dropped and made again, and that row goes first on the new connection;
// - a deny (§6.3.3, §6.5.1): the frame is sent again after a pause, up to the retry count; denied still,
//   the row is set aside for a growing pause (the rows after it go meanwhile) and tried again, also at
//   every new connection — never dropped, so a centre that denied everything and comes back sane gets it;
// - serials start at 0 on each connection; every frame's control unit has the time it is sent;
// - a row goes only when every frame made from it is confirmed. A kill -9 between a send and its confirm
//   resends it after the restart: the centre may see a frame twice, never none.
// Between frames, the centre's requests are answered (at a bounded rate), a frame it sends that cannot be
// read is denied (§6.2.2, §6.4.2, §6.5.3), its clock sync sets the clock of every time label it gets from
// then on, and its inspection (查岗) waits for a person on site (or is answered at once, or denied: config).

import { connect, type Socket } from 'node:net';
import type { Centre } from '../../../config/index.js';
import type { ReceiverQueue } from '../../outbox/receivers.js';
import type { Logger } from '../../log/logger.js';
import { Allowance } from '../../log/allowance.js';
import { LogThrottle } from '../../log/throttle.js';
import { COMMANDS, encodeFrame, FrameReader, Gb26875Error, dateOf, sendableLabel, type CommandByte, type Frame, type Rejected } from './frame.js';
import type { ComponentMap } from './components.js';
import { analogValue, componentStatus, descriptionText, systemStatus, transmitterStatus, unitsFor } from './mapping.js';
import type { OperationLog } from './operations.js';
import type { CentreRecord } from './record.js';
import { TRANSMITTER_OPERATION } from './tables.js';
import { decodeUnit, encodeUnit, type DataUnit, type InfoObject } from './units.js';

/** Answers to the centre's requests at once, then per second (an inspection, a query: a person asks). */
const REPLY_BURST = 20;
const REPLIES_PER_S = 10;
/** Unsent bytes on the socket beyond which the centre is taken not to read: no more answers for now. */
const REPLY_BUFFER_BYTES = 64 * 1024;
/** How long the socket of a centre that asks faster than it is answered rests before it is read again. */
const FLOOD_REST_MS = 1000;
/** A denied frame is sent again after this pause (a centre that denies at once is not hammered). */
const DENY_PAUSE_MS = 1000;
/** A row denied past the retries waits this long at most before it is tried again. */
const SET_ASIDE_MAX_MS = 5 * 60_000;
/** An inspection that names no time limit (0 minutes) waits this long for a person. */
const INSPECTION_DEFAULT_MIN = 10;
/** Operations in one answer to request 84: a data unit holds 1024 bytes, one type 24 object 8. */
const OPERATIONS_PER_ANSWER = 127;
/** Readable frames of the centre that are denied for it: the standard names these (§6.2.2, §6.4.2, §6.5.3). */
const DENIED_REJECTIONS = new Set<Rejected['reason']>(['checksum', 'command', 'length', 'end']);

type LocalKind = 'status' | 'clock' | 'inspection';

export interface CentreLinkOptions {
  centre: Centre;
  /** The venue's time zone (config gateway.timeZone): every time label is in it. */
  zone: string;
  maps: readonly ComponentMap[];
  queue: ReceiverQueue<CentreRecord>;
  /** The transmitter's operations, kept in the outbox's file, for the centre's request 84. */
  operations: OperationLog;
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
  /** Rows denied past the retries, waiting for their next try. */
  setAside: number;
  lastConfirmAt: string | null;
  /** The centre's clock minus ours, from its last clock sync (its time labels are sent in its time). */
  clockOffsetMs: number;
  /** An inspection (查岗) waiting for a person on site, until `deadline` (ISO). */
  inspection: { askedAt: string; deadline: string } | null;
}

interface InFlight {
  frame: Frame;
  bytes: Uint8Array;
  sends: number;
  denials: number;
  timer?: NodeJS.Timeout;
  /** The queue row it comes from and whether it is that row's last frame; none for frames made here. */
  row?: { rowid: number; last: boolean };
}

export class CentreLink {
  private socket: Socket | undefined;
  private connected = false;
  private stopped = false;
  private reader = new FrameReader();
  /** The last serial sent on this connection (-1: none yet; the first is 0). */
  private serial = -1;
  private inFlight: InFlight | undefined;
  /** Encoded data units of the current queue row not yet sent (its first ones are confirmed). */
  private rowFrames: { rowid: number; units: Uint8Array[] } | undefined;
  /** Rows denied past the retries: tried again after their pause, or at the next connection. */
  private readonly aside = new Map<number, { until: number; pauseMs: number }>();
  private asideTimer: NodeJS.Timeout | undefined;
  /**
   * Frames made here (transmitter status, its clock, an inspection answer), at most one of each kind, made
   * when sent (so their time is the time they go): a centre asking a thousand times is answered once, not
   * a thousand frames that starve an alarm. Sent before the queue's events, after its alarms.
   */
  private readonly local = new Map<LocalKind, () => DataUnit>();
  /** Answers to the centre's requests: a burst, then a steady rate; beyond, a request goes unanswered. */
  private readonly replies = new Allowance(REPLY_BURST, REPLIES_PER_S);
  private retryMs = 1000;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastSendAt = 0;
  /** The centre's clock minus ours (type 90): every time label it gets is in its time. */
  private clockOffsetMs = 0;
  private inspection: { askedAt: number; deadline: number } | undefined;
  private readonly byAddress: Map<number, ComponentMap>;
  private readonly byChannel: Map<string, ComponentMap>;
  /** Lines the centre can cause, rate-limited: a centre sending garbage must not fill the disk. */
  private readonly noisy: LogThrottle;
  private readonly stats = {
    confirmed: 0,
    denied: 0,
    resent: 0,
    unanswered: 0,
    lastConfirmAt: null as string | null,
    error: null as string | null,
  };

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
        if (this.connected && !this.inFlight && Date.now() - this.lastSendAt >= every - 50) this.queueLocal('status', () => this.statusUnit());
      },
      Math.min(every, 5000),
    );
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.asideTimer);
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.socket?.destroy();
    this.noisy.flush();
  }

  /** Something was committed for the centre: send it if the line is free. */
  kick(): void {
    this.pump();
  }

  picture(): CentrePicture {
    const i = this.pendingInspection();
    let backlog = -1;
    try {
      backlog = this.o.queue.size;
    } catch {
      // The file refuses (a stalled or failing disk): the picture says -1 rather than throwing.
    }
    return {
      connected: this.connected,
      error: this.stats.error,
      backlog,
      confirmed: this.stats.confirmed,
      denied: this.stats.denied,
      resent: this.stats.resent,
      setAside: this.aside.size,
      lastConfirmAt: this.stats.lastConfirmAt,
      clockOffsetMs: this.clockOffsetMs,
      inspection: i ? { askedAt: new Date(i.askedAt).toISOString(), deadline: new Date(i.deadline).toISOString() } : null,
    };
  }

  /**
   * A person on site answers the centre's inspection (查岗): the transmitter operation "inspection
   * answered" goes to the centre. Refused when none waits, or it has expired.
   */
  answerInspection(): { ok: true } | { ok: false; reason: string } {
    const i = this.inspection;
    if (!i) return { ok: false, reason: 'no inspection from the monitoring centre is waiting' };
    if (Date.now() > i.deadline) {
      this.inspection = undefined;
      return { ok: false, reason: `the monitoring centre's inspection expired at ${new Date(i.deadline).toISOString()}` };
    }
    this.inspection = undefined;
    this.answerNow();
    return { ok: true };
  }

  private pendingInspection(): { askedAt: number; deadline: number } | undefined {
    if (this.inspection && Date.now() > this.inspection.deadline) this.inspection = undefined;
    return this.inspection;
  }

  /** The centre's time now: ours, moved by its last clock sync. */
  private now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /** A time label in the venue's zone (never before 2000: see sendableLabel). */
  private label(at: Date = this.now()) {
    return sendableLabel(at, this.o.zone);
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
      this.serial = -1; // serials start at 0 on each connection
      this.stats.error = null;
      // A new connection is a new chance for rows the centre denied.
      this.aside.clear();
      clearTimeout(this.asideTimer);
      this.noisy.info('centre-connection', { centre: `${host}:${port}` }, 'connected to the monitoring centre');
      // The transmitter's status and its clock first: the centre learns the box is there, how it is, and
      // what time it keeps (an offset shows there; the centre may answer with a clock sync).
      this.local.set('status', () => this.statusUnit());
      this.local.set('clock', () => ({ type: 28, objects: [{ type: 28, clock: this.label() }] }));
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
        // Made again first on the next connection (its serial and time then): the row is still in the queue.
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
  private queueLocal(kind: LocalKind, make: () => DataUnit): void {
    this.local.set(kind, make);
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

  /** Rows set aside whose pause has not ended. */
  private resting(): Set<number> {
    const now = Date.now();
    const out = new Set<number>();
    for (const [rowid, a] of this.aside) if (a.until > now) out.add(rowid);
    return out;
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
      let next: ReturnType<typeof this.o.queue.next>[number] | undefined;
      try {
        [next] = this.o.queue.next(1, this.resting());
      } catch (err) {
        // The file refuses: what the box makes itself still goes; the queue is tried again in a second.
        this.noisy.error('centre-queue', { err: { message: (err as Error).message } }, "the centre's queue cannot be read: tried again");
        clearTimeout(this.asideTimer);
        this.asideTimer = setTimeout(() => this.pump(), 1000);
        return this.sendLocal();
      }
      if (!next || (next.topic !== 'alarm' && this.local.size > 0)) return this.sendLocal();
      let units: Uint8Array[] = [];
      try {
        units = unitsFor(next.record, this.byChannel, this.o.centre, this.o.zone, this.clockOffsetMs).map(encodeUnit);
      } catch (err) {
        // Never sendable as it is (a record this release cannot encode): said, and not tried for ever.
        this.o.log.error({ err: { message: (err as Error).message }, id: next.id }, 'record not sent to the centre: cannot be encoded');
        units = [];
      }
      this.rowFrames = { rowid: next.rowid, units };
    }
    const data = this.rowFrames.units.shift() as Uint8Array;
    this.send(COMMANDS.send, data, { rowid: this.rowFrames.rowid, last: this.rowFrames.units.length === 0 });
  }

  /** Sends the oldest frame made here, if one waits. */
  private sendLocal(): void {
    const first = this.local.entries().next().value;
    if (!first) return;
    this.local.delete(first[0]);
    this.send(COMMANDS.send, encodeUnit(first[1]()));
  }

  private nextSerial(): number {
    this.serial = (this.serial + 1) % 0x10000;
    return this.serial;
  }

  private frame(command: CommandByte, data: Uint8Array, serial: number): Frame {
    const c = this.o.centre;
    return { serial, version: c.version, time: this.label(), source: c.address, destination: c.centreAddress, command, data };
  }

  private send(command: CommandByte, data: Uint8Array, row?: { rowid: number; last: boolean }): void {
    const frame = this.frame(command, data, this.nextSerial());
    this.inFlight = { frame, bytes: encodeFrame(frame), sends: 0, denials: 0, ...(row ? { row } : {}) };
    this.transmit();
  }

  /** (Re)sends the frame in flight, same serial and bytes, and waits for its answer. */
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
      if (f.sends - f.denials <= this.o.centre.retries) return this.transmit();
      this.stats.error = `no confirm for serial ${f.frame.serial} after ${f.sends} sends`;
      this.o.log.warn({ serial: f.frame.serial, sends: f.sends }, 'no confirm from the monitoring centre: reconnecting');
      this.socket?.destroy();
    }, this.o.centre.confirmTimeoutMs);
  }

  /** A frame of ours is confirmed: its row goes once its last frame is. */
  private confirmed(f: InFlight): void {
    clearTimeout(f.timer);
    this.inFlight = undefined;
    if (f.row) this.aside.delete(f.row.rowid);
    if (f.row?.last) {
      this.o.queue.done(f.row.rowid);
      this.rowFrames = undefined;
    }
    this.pump();
  }

  /** A frame of ours is denied: sent again after a pause, up to the retries; then its row is set aside. */
  private denied(f: InFlight): void {
    clearTimeout(f.timer);
    f.denials++;
    this.stats.denied++;
    if (f.denials <= this.o.centre.retries) {
      f.timer = setTimeout(() => {
        if (this.inFlight === f) this.transmit();
      }, DENY_PAUSE_MS);
      return;
    }
    this.inFlight = undefined;
    const type = f.frame.data[0];
    if (!f.row) {
      // A frame made here: made again when next due.
      this.noisy.error('centre-denied', { serial: f.frame.serial, type, sends: f.sends }, 'the monitoring centre denied a frame of the box every time');
      return this.pump();
    }
    const before = this.aside.get(f.row.rowid);
    const pauseMs = Math.min(before ? before.pauseMs * 2 : this.o.centre.confirmTimeoutMs, SET_ASIDE_MAX_MS);
    this.aside.set(f.row.rowid, { until: Date.now() + pauseMs, pauseMs });
    this.rowFrames = undefined;
    this.noisy.error(
      'centre-denied',
      { serial: f.frame.serial, type, sends: f.sends, retryInMs: pauseMs },
      'the monitoring centre denied a frame every time: kept, tried again after a pause or on the next connection',
    );
    clearTimeout(this.asideTimer);
    this.asideTimer = setTimeout(() => this.pump(), pauseMs + 10);
    this.pump();
  }

  private received(chunk: Buffer): void {
    const unansweredBefore = this.stats.unanswered;
    const { frames, rejected } = this.reader.push(chunk);
    for (const r of rejected) {
      this.noisy.warn('centre-bytes', { reason: r.reason, skipped: r.skipped, count: r.count }, `bytes from the centre dropped: ${r.message}`);
      // A frame whose control unit could be read, but not the rest: discarded, and denied under its serial.
      if (r.serial !== undefined && DENIED_REJECTIONS.has(r.reason)) this.replyTo(r.serial, COMMANDS.deny);
    }
    for (const f of frames) this.answer(f);
    // A centre asking faster than it is answered is read no faster than it is answered: the socket rests a
    // while (TCP holds the centre back), so a flood costs neither CPU nor memory. Its confirms of our
    // frames wait at most that long.
    const socket = this.socket;
    if (this.stats.unanswered > unansweredBefore && socket && !socket.isPaused()) {
      socket.pause();
      setTimeout(() => {
        if (!socket.destroyed) socket.resume();
      }, FLOOD_REST_MS);
    }
  }

  private answer(f: Frame): void {
    const mine = this.inFlight;
    if ((f.command === COMMANDS.confirm || f.command === COMMANDS.deny) && mine && f.serial === mine.frame.serial) {
      if (f.command === COMMANDS.deny) return this.denied(mine);
      this.stats.confirmed++;
      this.stats.lastConfirmAt = new Date().toISOString();
      return this.confirmed(mine);
    }
    if (f.command === COMMANDS.confirm || f.command === COMMANDS.deny) return; // late, for a frame already settled
    if (f.command === COMMANDS.reply || f.command === COMMANDS.send) return this.replyTo(f.serial, COMMANDS.deny); // the box asks nothing, takes no data
    let unit: DataUnit | undefined;
    try {
      unit = f.data.length ? decodeUnit(f.data) : undefined;
    } catch (err) {
      this.noisy.warn('centre-unit', { reason: (err as Gb26875Error).reason, serial: f.serial }, `centre's data unit refused: ${(err as Error).message}`);
      return this.replyTo(f.serial, COMMANDS.deny);
    }
    if (f.command === COMMANDS.request && unit) return this.query(f, unit);
    if (f.command === COMMANDS.control && unit) return this.control(f, unit);
    this.replyTo(f.serial, COMMANDS.deny);
  }

  /** Confirm, deny or reply under the serial of the centre's frame (not awaited: answers are not confirmed). */
  private replyTo(serial: number, command: CommandByte, unit?: DataUnit): void {
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
    this.socket.write(encodeFrame(this.frame(command, unit ? encodeUnit(unit) : new Uint8Array(0), serial)));
  }

  private control(f: Frame, unit: DataUnit): void {
    const o = unit.objects[0] as InfoObject;
    if (o.type === 90) {
      const when = dateOf(o.clock, this.o.zone);
      if (!when) return this.replyTo(f.serial, COMMANDS.deny);
      // Carried out (a confirm says so): every time label this centre gets is in its time from now on. The
      // system clock is not ours to set (NTP's); when the two agree, our clock counts as checked.
      this.clockOffsetMs = when.getTime() - Date.now();
      this.o.onClock(when);
      this.noisy.info(
        'centre-clock',
        { centre: when.toISOString(), offsetMs: this.clockOffsetMs },
        'clock sync from the monitoring centre: its time is used for its frames',
      );
      return this.replyTo(f.serial, COMMANDS.confirm);
    }
    if (o.type === 91) return this.inspect(f, o.timeoutMinutes);
    // 89 (initialise the transmitter) and anything else: not done remotely on a box that drives gas valves.
    this.replyTo(f.serial, COMMANDS.deny);
  }

  /**
   * Inspection (查岗): the centre asks whether someone is on duty at the site. By GB 26875.1 a person
   * answers it on the transmitter; so by default the box confirms the request (it is shown on the box) and
   * the answer goes only when a person gives it (`jiuxiao-gateway answer-inspection`) before the time
   * limit. `auto` answers at once (the box is up, nobody is asked); `off` denies it.
   */
  private inspect(f: Frame, timeoutMinutes: number): void {
    const mode = this.o.centre.inspection;
    if (mode === 'off') return this.replyTo(f.serial, COMMANDS.deny);
    this.replyTo(f.serial, COMMANDS.confirm);
    if (mode === 'auto') {
      this.noisy.info('centre-inspection', { timeoutMinutes }, 'inspection (查岗) from the monitoring centre: answered by the box');
      return this.answerNow();
    }
    const now = Date.now();
    this.inspection = { askedAt: now, deadline: now + (timeoutMinutes || INSPECTION_DEFAULT_MIN) * 60_000 };
    this.noisy.warn(
      'centre-inspection',
      { timeoutMinutes: timeoutMinutes || INSPECTION_DEFAULT_MIN },
      'inspection (查岗) from the monitoring centre: a person on site answers it with `jiuxiao-gateway answer-inspection`',
    );
  }

  /** The transmitter operation "inspection answered", logged and sent, timed when it was given. */
  private answerNow(): void {
    const at = this.now();
    try {
      this.o.operations.add({ operation: TRANSMITTER_OPERATION.inspectionAnswer, at: at.getTime() - this.clockOffsetMs });
    } catch (err) {
      // The answer goes all the same; only a later request 84 will not list it.
      this.noisy.error('centre-operations', { err: { message: (err as Error).message } }, 'inspection answer not kept in the operation log');
    }
    this.queueLocal('inspection', () => ({
      type: 24,
      objects: [{ type: 24, operation: TRANSMITTER_OPERATION.inspectionAnswer, operator: 0, time: this.label(at) }],
    }));
  }

  private query(f: Frame, unit: DataUnit): void {
    const c = this.o.centre;
    const now = this.label();
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
        // The first `records` operations from the start time on, oldest first (a time label that names no
        // time: from the oldest kept). Times are kept in our clock, sent in the centre's.
        const from = dateOf(o.from, this.o.zone)?.getTime() ?? 0;
        const ops = this.o.operations.since(from - this.clockOffsetMs, Math.min(Math.max(1, o.records), OPERATIONS_PER_ANSWER));
        if (ops.length)
          answer = {
            type: 24,
            objects: ops.map((r) => ({ type: 24, operation: r.operation, operator: 0, time: this.label(new Date(r.at + this.clockOffsetMs)) })),
          };
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
    if (answer) this.replyTo(f.serial, COMMANDS.reply, answer);
    else this.replyTo(f.serial, COMMANDS.deny);
  }

  private statusUnit(): DataUnit {
    return { type: 21, objects: [{ type: 21, status: transmitterStatus(this.o.channels()), time: this.label() }] };
  }
}
