// The local status page (config `status`): node:http, read-only, GET only.
//   /             the page (HTML, refreshes itself)
//   /status.json  the same picture for tools
//   /healthz      200 "ok" while the process runs (a watchdog or an installer's curl)
//   /metrics      Prometheus text format (metrics.ts), same token rule as the page
// On loopback (the default) it needs no token. Bound elsewhere, the config check demands a token; it is
// then asked for as a Bearer token, or as the password of HTTP Basic, which every browser prompts for.
// The page is not safety-critical: if its port cannot be bound, the gateway runs on without it and
// says why, naming the setting to change.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
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

  constructor(
    private readonly cfg: StatusServerConfig,
    private readonly snapshot: () => StatusSnapshot,
    private readonly log: Logger,
    private readonly metrics?: { contentType: string; text(): Promise<string> },
  ) {}

  /** The address it listens on, once started. */
  get address(): AddressInfo | undefined {
    const a = this.server?.address();
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
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
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
      server.listen(this.cfg.port, this.cfg.host, () => resolve(true));
    });
    if (!ok) return false;
    server.on('error', (err) => this.log.warn({ err: { message: err.message } }, 'status page error'));
    this.server = server;
    this.log.info({ url: this.url }, 'status page listening');
    return true;
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
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
