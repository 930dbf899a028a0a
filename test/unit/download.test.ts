// The chunked download (gateway/fleet/download.ts) against a real HTTP server on loopback: whole, resumed
// after a stop halfway, and resumed over a file whose second chunk was damaged on disk (it is fetched again).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadRelease } from '../../gateway/fleet/download.js';
import { describeBundle } from '../../gateway/fleet/release.js';
import { serveBundle } from '../helpers/release.js';

let dir: string;
let bundle: Buffer;
let server: Awaited<ReturnType<typeof serveBundle>>;
const file = () => join(dir, 'bundle.part');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jx-download-'));
  bundle = randomBytes(5 * 65536 + 1234);
  writeFileSync(join(dir, 'b.tar.gz'), bundle);
  server = await serveBundle(join(dir, 'b.tar.gz'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const manifest = () => describeBundle(bundle, { version: '1.0.0', arch: 'x64', file: 'b.tar.gz', chunkSize: 65536 });

describe('downloadRelease', () => {
  it('fetches every chunk and checks it; the file is the bundle', async () => {
    rmSync(file(), { force: true });
    const r = await downloadRelease({ url: server.url, manifest: manifest(), file: file() });
    expect(r).toEqual({ received: bundle.length, resumedChunks: 0, retries: 0 });
    expect(readFileSync(file()).equals(bundle)).toBe(true);
  });

  it('resumes after the last good chunk: a stop halfway, then a damaged chunk on disk', async () => {
    rmSync(file(), { force: true });
    const stop = new AbortController();
    await expect(
      downloadRelease({ url: server.url, manifest: manifest(), file: file(), signal: stop.signal, onProgress: (p) => p.chunk === 3 && stop.abort() }),
    ).rejects.toThrow('download stopped');
    const resumed = await downloadRelease({ url: server.url, manifest: manifest(), file: file() });
    expect(resumed.resumedChunks).toBe(3);
    expect(resumed.received).toBe(bundle.length - 3 * 65536);
    expect(readFileSync(file()).equals(bundle)).toBe(true);
    // One byte of the second chunk changed on disk (a bad sector, a cut write): from there it is fetched again.
    const damaged = Buffer.from(bundle);
    damaged[70_000] = (damaged[70_000] as number) ^ 1;
    writeFileSync(file(), damaged);
    const again = await downloadRelease({ url: server.url, manifest: manifest(), file: file() });
    expect(again.resumedChunks).toBe(1);
    expect(readFileSync(file()).equals(bundle)).toBe(true);
  });
});
