// MQTT to the county platform (mqtt.js 5; MQTT 3.1.1 or 5, any broker). Publishes from the outbox with
// a bounded in-flight window and deletes a row only on the broker's PUBACK; SQLite is the source of
// truth, the client's memory store only bridges one connection to the next.
//
// - Fixed client id, persistent session (clean: false; on MQTT 5 a session expiry), keepalive.
// - Reconnects itself with capped exponential backoff and jitter (mqtt.js's own reconnect is fixed-
//   period and is switched off). An `error` listener is always attached (mqtt.js throws otherwise).
// - Retained `online` on the status topic at every connect; the will is the retained `offline`.
// - A publish that gets no PUBACK in time makes the connection restart: the client resends what is
//   in flight with the same ids, and the platform dedupes on them.
// - Commands come in on `cmd` with QoS 1 and are acknowledged only after they were handled.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IClientOptions, MqttClient } from 'mqtt';

// mqtt.js (≈ 20 MB of RSS) is loaded when the first connection is made, in the thread that makes it: the
// gateway's main thread, which only acts, never carries it (bench/footprint).
const requireLazily = createRequire(import.meta.url);
let mqttModule: typeof import('mqtt') | undefined;
const mqttLib = () => (mqttModule ??= requireLazily('mqtt') as typeof import('mqtt'));
import type { Uplink as UplinkConfig } from '../../config/index.js';
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';
import { topicOf, type Topic } from '../contract/topics.js';
import type { Outbox, Pending } from '../outbox/outbox.js';

export interface UplinkOptions {
  gatewayId: string;
  outbox: Outbox;
  log: Logger;
  /** A command payload arrived; resolve once it is handled (its result committed to the outbox). */
  onCommand: (payload: Buffer) => Promise<void>;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  ackTimeoutMs?: number;
}

export class Uplink {
  private client: MqttClient | undefined;
  /** Message id → monotonic time it was published (a wall-clock step must not fake a timeout). */
  private readonly inFlight = new Map<string, number>();
  /** The next messages in publishing order, fetched in batches: one query per batch, not per PUBACK. */
  private queue: Pending[] = [];
  /** The next of `queue` to publish (an index: no shifting of the array per message). */
  private queuePos = 0;
  private stopping = false;
  private draining = false;
  private kickPending = false;
  /** Topic names are made once: a drain publishes tens of thousands a second. */
  private readonly topics = new Map<Topic, string>();
  /** Lines a broker or a platform can cause by flapping or flooding: rate-limited. */
  private readonly noisy: LogThrottle;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  connects = 0;
  published = 0;

  constructor(
    private readonly cfg: UplinkConfig,
    private readonly o: UplinkOptions,
  ) {
    this.backoff = o.reconnectMinMs ?? 1000;
    this.noisy = new LogThrottle(o.log);
  }

  topic(t: Topic): string {
    let name = this.topics.get(t);
    if (name === undefined) this.topics.set(t, (name = topicOf(this.cfg.topicPrefix, this.o.gatewayId, t)));
    return name;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get inFlightIds(): ReadonlySet<string> {
    return new Set(this.inFlight.keys());
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Why the uplink is not connected, when it knows (a TLS file, DNS, a refusal); null when connected. */
  lastError: string | null = null;

  /**
   * Starts connecting; never waits for the broker (a gateway must run with the network down) and never
   * throws: a missing TLS file or a host that does not resolve is logged, shown, and retried.
   */
  start(): void {
    this.stopping = false;
    this.ackTimer = setInterval(() => this.checkAcks(), 1000);
    // Deletes after PUBACK are committed in batches: one fsync for many messages.
    this.flushTimer = setInterval(() => {
      try {
        this.o.outbox.flushAcks();
      } catch (err) {
        this.o.log.warn({ err: { message: (err as Error).message } }, 'acknowledged messages not deleted yet (they will be sent again)');
      }
    }, 100);
    this.connect();
  }

  private connect(): void {
    try {
      this.client = this.createClient();
    } catch (err) {
      this.failed(`cannot connect: ${(err as Error).message}`);
      this.scheduleReconnect();
    }
  }

  private failed(reason: string): void {
    if (reason !== this.lastError) this.noisy.warn('connection', { reason }, 'uplink not connected');
    this.lastError = reason;
  }

  private createClient(): MqttClient {
    const c = this.cfg;
    const opts: IClientOptions = {
      clientId: c.clientId ?? this.o.gatewayId,
      clean: false,
      keepalive: c.keepaliveS,
      protocolVersion: c.protocolVersion,
      reconnectPeriod: 0, // we reconnect ourselves, with backoff
      connectTimeout: 10_000,
      resubscribe: true,
      will: { topic: this.topic('status'), payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(c.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 7 * 24 * 3600 } } : {}),
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    };
    if (c.tls) {
      // Read at every attempt: a certificate put in place (or renewed) later is picked up.
      const read = (what: string, file: string) => {
        try {
          return readFileSync(file);
        } catch (err) {
          throw new Error(`TLS ${what} file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message}`);
        }
      };
      if (c.tls.ca) opts.ca = read('CA', c.tls.ca);
      if (c.tls.cert) opts.cert = read('certificate', c.tls.cert);
      if (c.tls.key) opts.key = read('key', c.tls.key);
      opts.rejectUnauthorized = c.tls.rejectUnauthorized;
    }
    const client = mqttLib().connect(c.url, opts);
    this.client = client;
    // Manual acknowledgement of commands: PUBACK only once handled (and its result committed).
    client.handleMessage = (packet, done) => {
      if (packet.cmd !== 'publish' || packet.topic !== this.topic('cmd')) return done();
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      this.o
        .onCommand(payload)
        .catch((err: Error) => this.noisy.error('command-failed', { err }, 'command handling failed'))
        .finally(() => {
          done();
          this.kick();
        });
    };
    client.on('error', (err) => this.failed(err.message));
    client.on('connect', () => {
      // A CONNACK that lands after stop() has ended the client: mqtt.js has closed its store, and a
      // publish now would throw inside its packet handler (seen on the recorder's thread, killing it).
      if (this.stopping) return;
      this.connects++;
      this.lastError = null;
      this.backoff = this.o.reconnectMinMs ?? 1000;
      this.noisy.info('connection', { url: c.url, connects: this.connects }, 'uplink connected');
      client.publish(this.topic('status'), 'online', { qos: 1, retain: true });
      client.subscribe(this.topic('cmd'), { qos: 1 });
      this.kick();
    });
    client.on('close', () => {
      this.queue = [];
      this.queuePos = 0;
      // What was in flight is not acknowledged and never will be on this connection: mqtt.js's
      // reconnect() starts an empty store (it does not resend it) and never calls its callbacks. It is
      // still in the outbox: fetched and published again (same id) on the next connection. Kept in flight,
      // it was skipped by every later fetch and "late" a second after every reconnect, so a box that had
      // anything in flight when its link dropped cut each new connection and never drained.
      this.inFlight.clear();
      if (this.stopping) return;
      this.scheduleReconnect();
    });
    return client;
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopping) return;
    const max = this.o.reconnectMaxMs ?? 60_000;
    const delay = Math.round(this.backoff * (0.8 + Math.random() * 0.4));
    this.backoff = Math.min(this.backoff * 2, max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping) return;
      if (!this.client) this.connect();
      else if (!this.client.connected) this.client.reconnect();
    }, delay);
  }

  /**
   * At stop, with messages still waiting: a reconnect sleeping in its backoff is tried now, since the
   * few seconds left are the last chance to deliver them. An attempt already under way is left alone.
   */
  hurry(): void {
    if (this.stopping || this.connected || !this.reconnectTimer) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (!this.client) this.connect();
    else this.client.reconnect();
  }

  /** A publish not acknowledged in time: restart the connection, so the client resends it. */
  private checkAcks(): void {
    const limit = this.o.ackTimeoutMs ?? 20_000;
    const now = performance.now();
    if (!this.connected) return;
    for (const sent of this.inFlight.values()) {
      if (now - sent > limit) {
        this.o.log.warn({ inFlight: this.inFlight.size }, 'no PUBACK in time: reconnecting to resend');
        this.client?.stream.destroy();
        return;
      }
    }
  }

  /** A new alarm or event: it goes ahead of whatever was fetched already (invariant 2). */
  urgent(): void {
    this.queue = [];
    this.queuePos = 0;
    this.kick();
  }

  /**
   * Room in the window after a PUBACK: refill at the end of this turn of the event loop. The PUBACKs
   * that arrived together are all counted by then, and the publishes that refill their room leave in
   * the same tick, which mqtt-packet writes with one corked writev instead of one syscall each
   * (measured: drain 0.70–0.78 → 0.80–0.97 of raw mqtt.js). Waiting for several PUBACKs instead stalls
   * on TCP's delayed ACKs (measured: 40 × slower).
   */
  private kickSoon(): void {
    if (this.kickPending) return;
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      this.kick();
    });
  }

  /** New rows in the outbox, or room in the window: publish what is next. */
  kick(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      this.fill();
    } catch (err) {
      // The outbox cannot be read (an I/O error, a card gone bad): say so, try again at the next kick.
      this.failed(`outbox unreadable: ${(err as Error).message}`);
    } finally {
      this.draining = false;
    }
  }

  private fill(): void {
    {
      const client = this.client;
      if (!client?.connected) return;
      let room = this.cfg.inflight - this.inFlight.size;
      if (room <= 0) return;
      const now = performance.now();
      const batch: Pending[] = [];
      while (room > 0) {
        if (this.queuePos >= this.queue.length) {
          this.queue = this.o.outbox.next(Math.max(512, room), this.inFlight);
          this.queuePos = 0;
          if (!this.queue.length) break;
        }
        const p = this.queue[this.queuePos++] as Pending;
        if (this.inFlight.has(p.id)) continue;
        // In flight from now: a refill within this loop must not fetch it again.
        this.inFlight.set(p.id, now);
        batch.push(p);
        room--;
      }
      for (const p of batch) {
        client.publish(this.topic(p.topic), p.payload, { qos: 1 }, (err) => {
          if (err) {
            // Not acknowledged (the client was ended or the packet refused): it stays in the outbox.
            this.inFlight.delete(p.id);
            return;
          }
          this.o.outbox.acknowledge(p);
          this.inFlight.delete(p.id);
          this.published++;
          this.kickSoon();
        });
      }
    }
  }

  /**
   * Publishes the retained `offline` and disconnects cleanly (the will is for unclean ends). Bounded by
   * `timeoutMs` whatever the broker does (down, black-holed, slow): then the connection is cut. Returns
   * whether the broker acknowledged `offline`. `restarting`: the process goes on at once with another
   * uplink (a config switch): no `offline`, so the platform sees no offline–online flap.
   */
  async stop(timeoutMs = 3000, restarting = false): Promise<{ offlinePublished: boolean }> {
    this.stopping = true;
    this.noisy.flush();
    clearTimeout(this.reconnectTimer);
    clearInterval(this.ackTimer);
    clearInterval(this.flushTimer);
    try {
      this.o.outbox.flushAcks();
    } catch {
      // Not deleted: sent again after the restart, with the same ids.
    }
    const client = this.client;
    if (!client) return { offlinePublished: false };
    const end = Date.now() + timeoutMs;
    const within = <T>(p: Promise<T>, fallback: T) =>
      Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), Math.max(0, end - Date.now())).unref())]);
    let offlinePublished = false;
    if (client.connected && !restarting) {
      offlinePublished = await within(
        new Promise<boolean>((resolve) => client.publish(this.topic('status'), 'offline', { qos: 1, retain: true }, (err) => resolve(!err))),
        false,
      );
    }
    const ended = await within(new Promise<boolean>((resolve) => client.end(false, {}, () => resolve(true))), false);
    // A broker that does not answer (black-holed, SIGSTOPped): cut the connection. mqtt.js ignores a
    // second end() while the first is pending, so the socket itself goes.
    if (!ended) client.stream?.destroy();
    return { offlinePublished };
  }
}
