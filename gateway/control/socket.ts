// The box's local control: a Unix socket in the data directory (mode 0600, so only root and the
// gateway's user can use it). `jiuxiao-gateway reset` and `status` talk to the running gateway here; a
// reset through it counts as local, on site. One JSON request per line, one JSON answer per line.
// It is served only from a data directory that is the gateway's own, and the client asks only a socket
// whose owner it can trust (storage/data-dir.ts): another user's listener in its place would answer
// "reset" while nothing was reset.

import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { StatusSnapshot } from '../status/snapshot.js';
import { claimDataDir, distrustSocket } from '../storage/data-dir.js';
import { control, type ControlPort } from './port.js';

function socketPath(dataDir: string): string {
  return join(dataDir, 'control.sock');
}

const MAX_LINE = 64 * 1024;

/** `snapshot`: the status page's picture, so `jiuxiao-gateway status` shows what the page shows. */
export function serveControl(port: ControlPort, dataDir: string, snapshot?: () => StatusSnapshot): Promise<Server> {
  const path = socketPath(dataDir);
  // Only in a directory that is the gateway's own: elsewhere another user could replace the socket.
  claimDataDir(dataDir);
  // A socket left by a killed gateway would block the bind; only one gateway runs per data directory.
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) {
        sock.end(`${JSON.stringify({ ok: false, error: `request over ${MAX_LINE} bytes` })}\n`);
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      void answer(port, line, snapshot).then((a) => sock.end(`${JSON.stringify(a)}\n`));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      chmodSync(path, 0o600);
      resolve(server);
    });
  });
}

async function answer(port: ControlPort, line: string, snapshot: (() => StatusSnapshot) | undefined): Promise<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  // The request schema (zod) is loaded with the first request: the box runs for months without one.
  const { Request } = await import('./requests.js');
  const r = Request.safeParse(json);
  if (!r.success) return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') };
  try {
    const a = await control(port, r.data, 'local');
    // The answer's shape the CLI reads: status under `status`, a reset's lists at the top.
    if (r.data.cmd === 'status') return { ok: true, status: a.result, ...(snapshot ? { snapshot: snapshot() } : {}) };
    if (r.data.cmd === 'reset') return { ok: a.ok, ...(a.result as object) };
    return a.ok ? { ok: true, ...(a.result !== undefined ? (a.result as object) : {}) } : { ok: false, error: a.reason };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Client side: one request, one answer. */
export function ask(dataDir: string, request: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const path = socketPath(dataDir);
  const distrust = distrustSocket(dataDir, path);
  if (distrust) return Promise.reject(new Error(`not asking: ${distrust}. Check who made it (ls -l ${dataDir}) and restart the gateway's service`));
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from the gateway on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(request)}\n`));
    sock.on('data', (d: string) => (buf += d));
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as Record<string, unknown>);
      } catch {
        reject(new Error(`garbled answer from the gateway: ${buf.slice(0, 200)}`));
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? `no gateway is running with data directory ${dataDir} (no ${path})` : err.message),
      );
    });
  });
}
