// A release bundle fetched over HTTP(S) the way a cellular link allows: one chunk per request (`Range`),
// each checked against its SHA-256 from the signed manifest before it is written and synced, so a
// dropped link costs at most one chunk and a restart resumes after the last good one (the chunks on
// disk are checked again first). A chunk that keeps arriving wrong fails the download with its number:
// nothing unverified is ever unpacked.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { sha256, type ReleaseManifest } from './release.js';

export interface DownloadOptions {
  url: string;
  manifest: ReleaseManifest;
  /** Where the bundle grows; kept across restarts. */
  file: string;
  signal?: AbortSignal;
  /** Attempts per chunk before the download fails (a link that drops). */
  attempts?: number;
  /** Attempts of a chunk that arrives whole but wrong: a corrupting mirror is not a flaky link. */
  hashAttempts?: number;
  /** First wait after a failed attempt; doubles up to 16 times that. */
  retryMs?: number;
  /** Per request: no byte for this long and the request is dropped. */
  idleMs?: number;
  onProgress?: (p: { chunk: number; chunks: number; bytes: number }) => void;
}

export interface DownloadResult {
  /** Bytes received over the network, failed attempts included. */
  received: number;
  /** Chunks found good on disk at the start (a resumed download). */
  resumedChunks: number;
  retries: number;
}

class DownloadError extends Error {
  constructor(
    readonly code: 'chunkHash' | 'http' | 'aborted' | 'fileHash',
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export async function downloadRelease(o: DownloadOptions): Promise<DownloadResult> {
  const m = o.manifest;
  const attempts = o.attempts ?? 6;
  const retryMs = o.retryMs ?? 1000;
  // Read-write without O_APPEND: Linux ignores the position of a write to a file opened for appending.
  const fd = openSync(o.file, existsSync(o.file) ? 'r+' : 'w+');
  const result: DownloadResult = { received: 0, resumedChunks: 0, retries: 0 };
  try {
    let chunk = await goodChunks(fd, m);
    result.resumedChunks = chunk;
    ftruncateSync(fd, Math.min(chunk * m.chunkSize, m.size));
    for (; chunk < m.chunks.length; chunk++) {
      const from = chunk * m.chunkSize;
      const to = Math.min(from + m.chunkSize, m.size) - 1;
      let last = '';
      for (let attempt = 1; ; attempt++) {
        if (o.signal?.aborted) throw new DownloadError('aborted', 'download stopped');
        try {
          const body = await fetchRange(o.url, from, to, o.idleMs ?? 30_000, o.signal);
          result.received += body.length;
          if (sha256(body) === m.chunks[chunk]) {
            // Positioned write, then sync: a power cut leaves whole verified chunks or fewer.
            writeSync(fd, body, 0, body.length, from);
            fsyncSync(fd);
            o.onProgress?.({ chunk: chunk + 1, chunks: m.chunks.length, bytes: to + 1 });
            break;
          }
          last = `chunk ${chunk + 1} of ${m.chunks.length} does not match its SHA-256`;
          const most = Math.min(attempts, o.hashAttempts ?? 3);
          if (attempt >= most) throw new DownloadError('chunkHash', `${last} (${most} attempts): the bundle is refused`);
        } catch (err) {
          if (err instanceof DownloadError && err.code !== 'http') throw err;
          last = (err as Error).message;
          if (attempt >= attempts) throw new DownloadError('http', `chunk ${chunk + 1} of ${m.chunks.length}: ${last} (${attempts} attempts)`);
        }
        result.retries++;
        await pause(Math.min(retryMs * 2 ** (attempt - 1), retryMs * 16), o.signal);
      }
    }
    if (fstatSync(fd).size !== m.size || (await fileHash(fd, m.size)) !== m.sha256)
      throw new DownloadError('fileHash', 'the whole bundle does not match its SHA-256 although every chunk did: the manifest is inconsistent');
    return result;
  } finally {
    closeSync(fd);
  }
}

/** How many chunks at the start of the file are whole and match their hashes. */
async function goodChunks(fd: number, m: ReleaseManifest): Promise<number> {
  const size = fstatSync(fd).size;
  const buf = Buffer.alloc(m.chunkSize);
  let n = 0;
  for (; n < m.chunks.length; n++) {
    const from = n * m.chunkSize;
    const len = Math.min(m.chunkSize, m.size - from);
    if (from + len > size) break;
    const got = readSync(fd, buf, 0, len, from);
    if (got !== len || sha256(buf.subarray(0, len)) !== m.chunks[n]) break;
    await turn();
  }
  return n;
}

async function fileHash(fd: number, size: number): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.alloc(1024 * 1024);
  for (let at = 0; at < size;) {
    const got = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
    if (got <= 0) break;
    h.update(buf.subarray(0, got));
    at += got;
    await turn();
  }
  return h.digest('hex');
}

function fetchRange(url: string, from: number, to: number, idleMs: number, signal?: AbortSignal): Promise<Buffer> {
  const want = to - from + 1;
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers: { range: `bytes=${from}-${to}` }, ...(signal ? { signal } : {}) }, (res: IncomingMessage) => {
      if (res.statusCode !== 206) {
        res.resume();
        reject(new DownloadError('http', `HTTP ${res.statusCode ?? '?'} for bytes ${from}-${to} (a partial answer, 206, is needed)`));
        return;
      }
      const parts: Buffer[] = [];
      let got = 0;
      res.on('data', (d: Buffer) => {
        got += d.length;
        if (got > want) {
          req.destroy(new DownloadError('http', `more than the ${want} bytes asked for`));
          return;
        }
        parts.push(d);
      });
      res.on('end', () => (got === want ? resolve(Buffer.concat(parts)) : reject(new DownloadError('http', `link dropped after ${got} of ${want} bytes`))));
      res.on('error', (e) => reject(new DownloadError('http', e.message)));
      res.on('aborted', () => reject(new DownloadError('http', `link dropped after ${got} of ${want} bytes`)));
    });
    req.setTimeout(idleMs, () => req.destroy(new DownloadError('http', `no data for ${idleMs / 1000} s`)));
    req.on('error', (e) => reject(e instanceof DownloadError ? e : new DownloadError('http', e.message)));
  });
}

/** Lets the polling thread run between two chunks hashed (each is a synchronous read and hash). */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
