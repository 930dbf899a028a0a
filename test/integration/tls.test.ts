// TLS to the broker with client certificates: Mosquitto with require_certificate; certificates made
// here with openssl. The right CA and client certificate connect; a wrong CA, or no client certificate,
// is refused and nothing is published.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UplinkSection } from '../../config/index.js';
import { createLogger } from '../../gateway/log/logger.js';
import { Outbox } from '../../gateway/outbox/outbox.js';
import { Uplink } from '../../gateway/uplink/uplink.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-tls-'));
chmodSync(dir, 0o755);
const f = (n: string) => join(dir, n);
const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
let broker: Broker;

function ca(name: string): void {
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`));
}
function signed(name: string, by: string, san?: string): void {
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
  const ext = f(`${name}.ext`);
  execFileSync('sh', ['-c', `printf '${san ? `subjectAltName=${san}\\n` : ''}' > ${ext}`]);
  ssl(
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f(`${by}.crt`),
    '-CAkey',
    f(`${by}.key`),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    f(`${name}.crt`),
  );
  chmodSync(f(`${name}.key`), 0o644); // mosquitto reads its key after dropping to its own user
}

beforeAll(async () => {
  ca('platform-ca');
  ca('other-ca');
  signed('broker', 'platform-ca', 'IP:127.0.0.1');
  signed('gateway', 'platform-ca');
  broker = await startBroker({ tls: { cafile: f('platform-ca.crt'), certfile: f('broker.crt'), keyfile: f('broker.key'), requireCertificate: true } });
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

function uplinkWith(tls: Record<string, unknown>, name: string) {
  const outbox = new Outbox(join(dir, `box-${name}`), { maxRows: 1000, maxBytes: 1e6, reserveRows: 10 });
  const cfg = UplinkSection.parse({ url: broker.url, tls, clientId: `gw-${name}` });
  const up = new Uplink(cfg, {
    gatewayId: `GW-TLS-${name}`,
    outbox,
    log: createLogger({ level: 'silent' }),
    onCommand: async () => undefined,
    reconnectMinMs: 200,
    reconnectMaxMs: 400,
  });
  return { up, outbox };
}

describe('TLS with client certificates', () => {
  it('the platform CA and a client certificate connect and publish', async () => {
    const platform = await listen(broker.url, 'jx/v1/#', {
      ca: [readFileSync(f('platform-ca.crt'))],
      cert: readFileSync(f('gateway.crt')),
      key: readFileSync(f('gateway.key')),
    });
    const { up, outbox } = uplinkWith({ ca: f('platform-ca.crt'), cert: f('gateway.crt'), key: f('gateway.key') }, 'ok');
    outbox.add('alarm', 'a-tls', { boot: 'b', mono: 0, unsynced: false }, ({ seq }) => ({ hello: 'tls', seq }));
    up.start();
    await waitFor(() => up.connected, 10_000, 'TLS connect');
    await waitFor(() => platform.got.some((m) => m.json?.hello === 'tls'), 5000, 'message over TLS');
    await waitFor(() => outbox.backlog().alarm === 0, 5000, 'deleted on PUBACK');
    await up.stop();
    await platform.close();
    outbox.close();
  });

  it('a wrong CA is refused: the broker is not trusted, nothing is sent', async () => {
    const { up, outbox } = uplinkWith({ ca: f('other-ca.crt'), cert: f('gateway.crt'), key: f('gateway.key') }, 'wrongca');
    outbox.add('alarm', 'a-wrong', { boot: 'b', mono: 0, unsynced: false }, () => ({}));
    up.start();
    // Not vacuous: the refusal itself is seen (a broker that is down would say ECONNREFUSED instead).
    await waitFor(() => up.lastError !== null, 10_000, 'the TLS refusal');
    expect(up.lastError).toMatch(/certificate|self[- ]signed|unable to (verify|get)/i);
    expect(up.connected).toBe(false);
    expect(up.connects).toBe(0);
    expect(outbox.backlog().alarm).toBe(1);
    await up.stop();
    outbox.close();
  });

  it('no client certificate is refused by require_certificate', async () => {
    const { up, outbox } = uplinkWith({ ca: f('platform-ca.crt') }, 'nocert');
    up.start();
    await waitFor(() => up.lastError !== null, 10_000, 'the refusal by the broker');
    expect(up.lastError).toMatch(/alert certificate required|alert number 116/);
    expect(up.connects).toBe(0);
    await up.stop();
    outbox.close();
  });
});
