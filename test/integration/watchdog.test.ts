// The systemd watchdog without systemd: a stub notify socket (a Unix datagram socket in Python, since Node
// has none) receives what `systemd-notify` sends. The real `run` process says READY=1 once it acts, pings
// WATCHDOG=1 at half the interval systemd asks for, and STOPPING=1 on SIGTERM; a process that is not alive
// withholds its pings (systemd then restarts it) and says why.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log/logger.js';
import { SystemdNotify } from '../../gateway/systemd/notify.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopAll } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';
import { SHOP, venueLine } from '../../bench/lib/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GATEWAY = join(ROOT, 'dist/gateway/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'jx-notify-'));
afterAll(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

async function stub(name: string): Promise<{ path: string; got: string[] }> {
  const path = join(tmp, name);
  const proc = await startProcess('/usr/bin/python3', [join(ROOT, 'test/helpers/notify-stub.py'), path], /ready/);
  const got: string[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      if (nl > 0) got.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  return { path, got };
}

/** A one-device gateway whose device is offline (nothing listens): enough to run, log and be watched. */
async function gatewayConfig(): Promise<string> {
  const file = join(tmp, 'gw.yaml');
  if (existsSync(file)) return file;
  writeFileSync(
    file,
    [
      `gateway: { id: GW-WD-0001, dataDir: ${JSON.stringify(join(tmp, 'data'))} }`,
      venueLine(SHOP, { id: 'V-WD-0001', name: '看门狗 watchdog' }),
      `buses: [{ id: tcp, type: tcp, host: 127.0.0.1, port: ${await freePort()} }]`,
      'devices: [{ id: smoke, location: shop, bus: tcp, slaveId: 1, profile: smoke }]',
      'status: { enabled: false }',
      '',
    ].join('\n'),
  );
  return file;
}

describe('systemd notify and watchdog', () => {
  it('run: READY=1 once acting, WATCHDOG=1 twice per interval, STOPPING=1 on SIGTERM', async () => {
    const sock = await stub('run.sock');
    const file = await gatewayConfig();
    const gw = await startProcess('node', [GATEWAY, 'run', '--config', file], /gateway running/, 15_000, {
      NOTIFY_SOCKET: sock.path,
      WATCHDOG_USEC: '1000000',
    });
    await waitFor(() => sock.got.filter((l) => l === 'WATCHDOG=1').length >= 3, 5000, 'READY and three pings', 100);
    expect(sock.got[0]).toMatch(/^READY=1\|STATUS=running: 1 devices, venue V-WD-0001$/);
    gw.kill('SIGTERM');
    await new Promise((r) => gw.once('exit', r));
    await waitFor(() => sock.got.some((l) => l.startsWith('STOPPING=1')), 3000, 'STOPPING', 100);
    // systemd 252's systemd-notify also sends BARRIER=1 unless told not to wait (--no-block): never here.
    expect(sock.got.filter((l) => !/^(READY=1|WATCHDOG=1|STOPPING=1)/.test(l))).toEqual([]);
  });

  it('under journald (JOURNAL_STREAM names stdout) the lines carry no second timestamp; elsewhere they do', async () => {
    const { openSync, closeSync, fstatSync, readFileSync } = await import('node:fs');
    const { spawn } = await import('node:child_process');
    const run = async (journal: boolean) => {
      const path = join(tmp, `journal-${journal}.log`);
      const fd = openSync(path, 'w');
      const st = fstatSync(fd);
      const env = { ...process.env, ...(journal ? { JOURNAL_STREAM: `${st.dev}:${st.ino}` } : { JOURNAL_STREAM: '1:2' }) };
      const child = spawn('node', [GATEWAY, 'run', '--config', await gatewayConfig()], { stdio: ['ignore', fd, 'pipe'], env });
      closeSync(fd);
      await waitFor(() => readFileSync(path, 'utf8').includes('gateway running'), 15_000, 'gateway running', 100);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      return readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const journal = await run(true);
    expect(journal.length).toBeGreaterThan(3);
    expect(journal.every((l) => !('time' in l))).toBe(true);
    const plain = await run(false);
    expect(plain.every((l) => typeof l.time === 'string')).toBe(true);
  });

  it('not alive: pings withheld and the reason said once; alive again: pings resume', async () => {
    const sock = await stub('unit.sock');
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
    let trouble: string | null = null;
    const n = new SystemdNotify({ env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '60000000' }, log, liveness: () => trouble });
    expect(n.watchdogMs).toBe(60_000);
    n.tick();
    trouble = 'event handling stuck for 12 s';
    n.tick();
    n.tick();
    trouble = null;
    n.tick();
    expect({ pings: n.pings, withheld: n.withheld }).toEqual({ pings: 2, withheld: 2 });
    await waitFor(() => sock.got.length >= 3, 3000, `messages: ${JSON.stringify(sock.got)} ${lines.join('')}`, 100);
    expect(sock.got).toEqual(['WATCHDOG=1', 'STATUS=not alive: event handling stuck for 12 s', 'WATCHDOG=1']);
    expect(lines.filter((l) => l.includes('watchdog pings withheld'))).toHaveLength(1);
    // A WATCHDOG_PID of another process, or no socket: no watchdog here.
    expect(new SystemdNotify({ env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, log, liveness: () => null }).watchdogMs).toBe(
      undefined,
    );
    expect(new SystemdNotify({ env: { WATCHDOG_USEC: '1000000' }, log, liveness: () => null }).enabled).toBe(false);
  });
});
