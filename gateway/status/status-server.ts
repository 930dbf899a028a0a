// The local status page (config `status`): node:http, read-only, GET only.
//   /             the page (HTML, refreshes itself)
//   /status.json  the same picture for tools
//   /healthz      200 "ok" while the process runs (a watchdog or an installer's curl)
//   /metrics      Prometheus text format (metrics.ts), same token rule as the page
// On loopback (the default) it needs no token. Bound elsewhere, the config check demands a token; it is
// then asked for as a Bearer token, or as the password of HTTP Basic, which every browser prompts for.
// The page is not safety-critical: if its port cannot be bound, the gateway runs on without it and
// says why, naming the setting to change. Nor may it cost the box more than a little (issue 21): at
// most MAX_CONNECTIONS open at once — one more is answered 503 and closed — every connection closed
// after IDLE_MS without a byte, and the lines a visitor can cause (a wrong token, a refused connection)
// rate-limited.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';
import { renderStatusPage } from './page.js';
import type { StatusSnapshot } from './snapshot.js';

export interface StatusServerConfig {
  host: string;
  port: number;
  token?: string | undefined;
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // No script, no frames, no outside resources: the page is inert.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** Connections open at once: an installer's browser, a Prometheus scraper, a curl or two. */
const MAX_CONNECTIONS = 32;
/** A connection that sends nothing for this long is closed (keep-alive or not). */
const IDLE_MS = 15_000;

const REFUSAL_BODY = `too many connections to the status page (at most ${MAX_CONNECTIONS} at once): try again in a moment\n`;
const REFUSAL = [
  'HTTP/1.1 503 Service Unavailable',
  'Content-Type: text/plain; charset=utf-8',
  'Connection: close',
  'Retry-After: 5',
  `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}`,
  '',
  REFUSAL_BODY,
].join('\r\n');

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether the request carries the token (Bearer, or Basic with any user name). */
export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  if (!header) return false;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return sameSecret(value, token);
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString();
    const colon = decoded.indexOf(':');
    return colon >= 0 && sameSecret(decoded.slice(colon + 1), token);
  }
  return false;
}

export class StatusServer {
  private server: Server | undefined;
  /** Accepts connections, up to the cap, and hands them to the HTTP server. */
  private front: NetServer | undefined;
  private readonly open = new Set<Socket>();
  private readonly noisy: LogThrottle;
  /** Connections refused at the cap since start. */
  private refused = 0;

  constructor(
    private readonly cfg: StatusServerConfig,
    private readonly snapshot: () => StatusSnapshot,
    private readonly log: Logger,
    private readonly metrics?: { contentType: string; text(): Promise<string> },
  ) {
    this.noisy = new LogThrottle(log);
  }

  /** The address it listens on, once started. */
  get address(): AddressInfo | undefined {
    const a = this.front?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  get url(): string | undefined {
    const a = this.address;
    return a ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/` : undefined;
  }

  /** Starts listening. Never throws: a port in use is logged with the setting to change. */
  async start(): Promise<boolean> {
    const server = createServer((req, res) => this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    const front = createNetServer((sock) => this.accept(sock, server));
    const ok = await new Promise<boolean>((resolve) => {
      front.once('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'EADDRINUSE'
            ? 'the port is in use'
            : err.code === 'EACCES'
              ? 'not allowed to bind it'
              : err.code === 'EADDRNOTAVAIL'
                ? 'no such address on this box'
                : err.message;
        this.log.error(
          { host: this.cfg.host, port: this.cfg.port, code: err.code },
          `status page not started: ${this.cfg.host}:${this.cfg.port}: ${why} (change status.port or status.host, or set status.enabled: false)`,
        );
        resolve(false);
      });
      front.listen(this.cfg.port, this.cfg.host, () => resolve(true));
    });
    if (!ok) return false;
    server.on('error', (err) => this.noisy.warn('error', { err: { message: err.message } }, 'status page error'));
    front.on('error', (err) => this.noisy.warn('error', { err: { message: err.message } }, 'status page error'));
    this.server = server;
    this.front = front;
    this.log.info({ url: this.url }, 'status page listening');
    return true;
  }

  /** One connection: refused at the cap with a 503, else given to the HTTP server, closed when idle. */
  private accept(sock: Socket, server: Server): void {
    sock.on('error', () => sock.destroy());
    if (this.open.size >= MAX_CONNECTIONS) {
      this.refused++;
      this.noisy.warn('cap', { open: this.open.size, refused: this.refused, from: sock.remoteAddress }, 'status page: connection refused, too many open (503)');
      sock.end(REFUSAL);
      sock.setTimeout(2000, () => sock.destroy());
      return;
    }
    this.open.add(sock);
    sock.once('close', () => this.open.delete(sock));
    sock.setTimeout(IDLE_MS, () => sock.destroy());
    server.emit('connection', sock);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (code: number, type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(code, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { Allow: 'GET, HEAD' });
    const path = new URL(req.url ?? '/', 'http://status.invalid').pathname;
    if (path === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
    if (!authorized(req.headers.authorization, this.cfg.token)) {
      // A browser asks first without credentials; a wrong token is worth a (rate-limited) line.
      if (req.headers.authorization)
        this.noisy.warn('token', { from: req.socket.remoteAddress, path }, 'status page: request with a wrong token refused (401)');
      return send(
        401,
        'text/plain; charset=utf-8',
        'token required (status.token): Authorization: Bearer <token>, or any user name with the token as password\n',
        {
          'WWW-Authenticate': 'Basic realm="jiuxiao-gateway", charset="UTF-8"',
        },
      );
    }
    if (path === '/metrics' && this.metrics) {
      const m = this.metrics;
      void m.text().then(
        (text) => send(200, m.contentType, text),
        (err: Error) => {
          this.log.error({ err: { message: err.message } }, 'metrics failed');
          send(500, 'text/plain; charset=utf-8', 'metrics not available\n');
        },
      );
      return;
    }
    if (path !== '/' && path !== '/status.json') return send(404, 'text/plain; charset=utf-8', `no page ${path}: try /, /status.json or /metrics\n`);
    let snap: StatusSnapshot;
    try {
      snap = this.snapshot();
    } catch (err) {
      this.log.error({ err }, 'status snapshot failed');
      return send(500, 'text/plain; charset=utf-8', 'status not available\n');
    }
    if (path === '/status.json') return send(200, 'application/json; charset=utf-8', `${JSON.stringify(snap, null, 2)}\n`);
    return send(200, 'text/html; charset=utf-8', renderStatusPage(snap));
  }

  async stop(): Promise<void> {
    const server = this.server;
    const front = this.front;
    this.server = undefined;
    this.front = undefined;
    if (!server || !front) return;
    this.noisy.flush();
    const closed = new Promise<void>((resolve) => front.close(() => resolve()));
    for (const sock of this.open) sock.destroy();
    server.close();
    await closed;
  }
}
