// A Bus owns one transport and runs one Modbus transaction at a time over it (RS-485 is half duplex;
// many TCP devices break on pipelining). It keeps the inter-frame gap, times each request out, retries a
// bounded number of times, lets writes overtake polls without starving them, and reopens a lost link
// with capped exponential backoff. It knows nothing of devices or profiles: callers bring requests.

import { EventEmitter } from 'node:events';
import { ModbusError } from '../modbus/errors.js';
import type { Framing, FramingCounters } from '../modbus/framing.js';
import { encodeRequest, type Reply, type Request } from '../modbus/pdu.js';
import type { Transport } from '../transport/transport.js';

export interface BusOptions {
  id: string;
  /** Default per-request timeout. */
  timeoutMs: number;
  /** Default retries after a timeout (an exception is an answer and is not retried). */
  retries: number;
  /** Silence kept between the end of one transaction and the next request. */
  interFrameGapMs: number;
  /** After a timeout, how long to listen for (and discard) a late reply before the next request. */
  lateReplyGuardMs: number;
  /** Reopen backoff after the link is lost: doubles from min to max, with ±20 % jitter. */
  reopenMinMs: number;
  reopenMaxMs: number;
  /** TCP only: reconnect after this many timeouts in a row with no success between them (a stalled peer). */
  reconnectAfterTimeouts: number;
}

type Priority = 'write' | 'poll';

export interface TransactionOptions {
  priority?: Priority;
  timeoutMs?: number;
  retries?: number;
}

export interface BusStats extends FramingCounters {
  transactions: number;
  ok: number;
  timeouts: number;
  exceptions: number;
  retries: number;
  linkLosses: number;
  reopenAttempts: number;
}

export interface BusEvents {
  link: [up: boolean, reason: string];
}

interface Job {
  slaveId: number;
  request: Request;
  pdu: Buffer;
  timeoutMs: number;
  retries: number;
  resolve: (r: Reply) => void;
  reject: (e: ModbusError) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 3.5 character times of silence (Modbus over serial line v1.02 §2.5.1.1); a fixed 1.75 ms above
 *  19200 baud. A character is start + data + parity + stop bits. */
export function interFrameGapMs(baud: number, dataBits = 8, parity: 'none' | 'even' | 'odd' = 'none', stopBits = 1): number {
  if (baud > 19200) return 1.75;
  const bits = 1 + dataBits + (parity === 'none' ? 0 : 1) + stopBits;
  return (3.5 * bits * 1000) / baud;
}

export class Bus extends EventEmitter<BusEvents> {
  readonly stats: BusStats = {
    transactions: 0,
    ok: 0,
    timeouts: 0,
    exceptions: 0,
    retries: 0,
    linkLosses: 0,
    reopenAttempts: 0,
    discardedBytes: 0,
    crcErrors: 0,
    foreignFrames: 0,
    mismatches: 0,
  };
  private readonly writes: Job[] = [];
  private readonly polls: Job[] = [];
  private lastWasWrite = false;
  private busy = false;
  private running = false;
  private lastActivity = 0;
  private timeoutsInARow = 0;
  private pending: ((o: { reply: Reply } | { error: ModbusError }) => void) | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelay: number;
  private lastLinkReason = 'not opened yet';

  constructor(
    readonly transport: Transport,
    private readonly framing: Framing,
    readonly options: BusOptions,
  ) {
    super();
    this.reopenDelay = options.reopenMinMs;
    transport.on('data', (chunk) => this.onData(chunk));
    transport.on('close', (reason) => this.onClose(reason));
  }

  get linkUp(): boolean {
    return this.transport.isOpen;
  }

  get linkReason(): string {
    return this.lastLinkReason;
  }

  /** Counters of the framing layer folded into the stats. */
  snapshot(): BusStats {
    return { ...this.stats, ...this.framing.counters };
  }

  /** Opens the link and keeps it open until stop(). Resolves after the first attempt, open or not. */
  async start(): Promise<void> {
    this.running = true;
    await this.tryOpen();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reopenTimer);
    this.failQueued(new ModbusError('aborted', `bus ${this.options.id} stopped`));
    this.pending?.({ error: new ModbusError('aborted', `bus ${this.options.id} stopped`) });
    await this.transport.close();
  }

  /** Runs one transaction; resolves with the decoded reply or rejects with a ModbusError. */
  execute(slaveId: number, request: Request, opts: TransactionOptions = {}): Promise<Reply> {
    let pdu: Buffer;
    try {
      pdu = encodeRequest(request);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.transport.isOpen) {
      return Promise.reject(new ModbusError('port-closed', `${this.transport.label}: ${this.lastLinkReason}`));
    }
    return new Promise<Reply>((resolve, reject) => {
      const job: Job = {
        slaveId,
        request,
        pdu,
        timeoutMs: opts.timeoutMs ?? this.options.timeoutMs,
        retries: opts.retries ?? this.options.retries,
        resolve,
        reject,
      };
      (opts.priority === 'write' ? this.writes : this.polls).push(job);
      void this.pump();
    });
  }

  /** Writes go first, but when polls are waiting too they alternate, so neither starves. */
  private next(): Job | undefined {
    const preferWrite = this.writes.length > 0 && (!this.lastWasWrite || this.polls.length === 0);
    const job = preferWrite ? this.writes.shift() : (this.polls.shift() ?? this.writes.shift());
    if (job) this.lastWasWrite = preferWrite;
    return job;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let job = this.next(); job; job = this.next()) await this.run(job);
    } finally {
      this.busy = false;
    }
  }

  private async run(job: Job): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!this.transport.isOpen) {
        job.reject(new ModbusError('port-closed', `${this.transport.label}: ${this.lastLinkReason}`));
        return;
      }
      const gap = this.lastActivity + this.options.interFrameGapMs - performance.now();
      if (gap > 0) await sleep(gap);
      this.stats.transactions++;
      if (attempt > 0) this.stats.retries++;
      const outcome = await this.transact(job);
      this.lastActivity = performance.now();
      if ('reply' in outcome) {
        this.stats.ok++;
        this.timeoutsInARow = 0;
        job.resolve(outcome.reply);
        return;
      }
      const err = outcome.error;
      if (err.code === 'exception') {
        this.stats.exceptions++;
        this.timeoutsInARow = 0;
        job.reject(err);
        return;
      }
      if (err.code !== 'timeout') {
        job.reject(err);
        return;
      }
      this.stats.timeouts++;
      this.timeoutsInARow++;
      // A late reply to this request must not be taken for the answer to the next one: listen a
      // little and throw away what comes.
      await sleep(this.options.lateReplyGuardMs);
      this.framing.reset();
      if (this.transport.kind === 'tcp' && this.timeoutsInARow >= this.options.reconnectAfterTimeouts) {
        const n = this.timeoutsInARow;
        this.timeoutsInARow = 0;
        await this.transport.close();
        this.onClose(`peer stalled: ${n} timeouts in a row, reconnecting`);
      }
      if (attempt >= job.retries) {
        job.reject(err);
        return;
      }
    }
  }

  private transact(job: Job): Promise<{ reply: Reply } | { error: ModbusError }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        resolve({ error: new ModbusError('timeout', `no reply from slave ${job.slaveId} within ${job.timeoutMs} ms`) });
      }, job.timeoutMs);
      this.pending = (o) => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve(o);
      };
      const frame = this.framing.begin(job.slaveId, job.request, job.pdu);
      this.transport.write(frame).catch((e: Error) => this.pending?.({ error: new ModbusError('port-closed', e.message) }));
    });
  }

  private onData(chunk: Buffer): void {
    const outcome = this.framing.push(chunk);
    if (outcome && this.pending) this.pending(outcome);
  }

  private onClose(reason: string): void {
    this.stats.linkLosses++;
    this.lastLinkReason = reason;
    this.framing.reset();
    this.pending?.({ error: new ModbusError('port-closed', `${this.transport.label}: ${reason}`) });
    this.failQueued(new ModbusError('port-closed', `${this.transport.label}: ${reason}`));
    this.emit('link', false, reason);
    this.scheduleReopen();
  }

  private failQueued(err: ModbusError): void {
    for (const job of this.writes.splice(0)) job.reject(err);
    for (const job of this.polls.splice(0)) job.reject(err);
  }

  private async tryOpen(): Promise<void> {
    if (!this.running) return;
    this.stats.reopenAttempts++;
    try {
      await this.transport.open();
      this.reopenDelay = this.options.reopenMinMs;
      this.lastLinkReason = 'open';
      this.timeoutsInARow = 0;
      this.framing.reset();
      this.emit('link', true, 'open');
    } catch (err) {
      this.lastLinkReason = (err as Error).message;
      this.emit('link', false, this.lastLinkReason);
      this.scheduleReopen();
    }
  }

  private scheduleReopen(): void {
    if (!this.running || this.reopenTimer) return;
    const jitter = 0.8 + Math.random() * 0.4;
    const delay = Math.round(this.reopenDelay * jitter);
    this.reopenDelay = Math.min(this.reopenDelay * 2, this.options.reopenMaxMs);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      void this.tryOpen();
    }, delay);
  }
}
