// The local status page over real loopback sockets: token by Bearer or by the browser's Basic prompt,
// read-only, the health check open; a port already taken does not stop the gateway, and says which
// setting to change.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log/logger.js';
import { StatusServer } from '../../gateway/status/status-server.js';
import { freePort } from '../helpers/net.js';
import { serviceFromYaml } from '../helpers/service.js';
import { sampleSnapshot } from '../helpers/status-snapshot.js';
import { SHOP, venueLine } from '../../bench/lib/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { log, lines };
}

describe('status server', () => {
  it('asks for the token, takes it as Bearer or Basic, serves the page and the JSON, refuses writes', async () => {
    const port = await freePort();
    const server = new StatusServer({ host: '127.0.0.1', port, token: 'tok-3f9a2c' }, () => sampleSnapshot(), createLogger({ level: 'silent' }));
    expect(await server.start()).toBe(true);
    try {
      const url = `http://127.0.0.1:${port}`;
      const open = await fetch(`${url}/`);
      expect(open.status).toBe(401);
      expect(open.headers.get('www-authenticate')).toMatch(/^Basic realm="jiuxiao-gateway"/);
      expect(await open.text()).not.toMatch(/GW-1/);
      expect((await fetch(`${url}/`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);

      const page = await fetch(`${url}/`, { headers: { authorization: 'Bearer tok-3f9a2c' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(await page.text()).toMatch(/老王火锅/);

      const basic = `Basic ${Buffer.from('installer:tok-3f9a2c').toString('base64')}`;
      const json = await fetch(`${url}/status.json`, { headers: { authorization: basic } });
      expect(json.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await json.json()) as { channels: unknown[] }).channels).toHaveLength(1);

      expect((await fetch(`${url}/healthz`)).status).toBe(200); // no token: it tells nothing
      expect((await fetch(`${url}/nothing`, { headers: { authorization: basic } })).status).toBe(404);
      const post = await fetch(`${url}/`, { method: 'POST', headers: { authorization: basic }, body: 'x' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      const head = await fetch(`${url}/status.json`, { method: 'HEAD', headers: { authorization: basic } });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    } finally {
      await server.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow(); // closed on stop
  });

  it('a port already taken: the gateway runs on without its page and says which setting to change', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const { log, lines } = memoryLog();
    const yaml = `
gateway: { id: GW-STATUS-1, dataDir: ${join(dir, 'data')} }
${venueLine(SHOP, { id: 'V-S-1', name: '小超市' })}
status: { host: 127.0.0.1, port: ${port} }
`;
    const service = serviceFromYaml(yaml, { log });
    try {
      await service.start();
      expect(service.statusUrl).toBeUndefined();
      const error = lines.find((l) => String(l.msg).startsWith('status page not started'));
      expect(error?.msg).toBe(
        `status page not started: 127.0.0.1:${port}: the port is in use (change status.port or status.host, or set status.enabled: false)`,
      );
      expect(service.snapshot().gateway.id).toBe('GW-STATUS-1'); // the gateway itself runs
    } finally {
      await service.stop();
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });
});
