// A real Mosquitto broker for a test: its own config in a temp dir, a free loopback port, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from '../../bench/lib/broker.js';
import { freePort } from './net.js';

export interface Broker {
  port: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop), e.g. at the end of an outage. */
  restart(): Promise<void>;
  /** The broker's pid while it runs (to SIGSTOP it: a black-holed broker). */
  pid(): number | undefined;
}

export interface BrokerOptions {
  /** Extra listener lines, e.g. TLS settings; replaces the plain listener's options. */
  tls?: { cafile: string; certfile: string; keyfile: string; requireCertificate: boolean };
  /** Keep sessions (and what is queued for them) across `restart()`: saved in its dir at stop. */
  persistence?: boolean;
}

export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'jx-mosq-'));
  chmodSync(dir, 0o755); // mosquitto drops to its own user when started as root
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    ...(options.persistence ? ['persistence true', `persistence_location ${persistDir(dir)}/`] : ['persistence false']),
    'log_dest none',
    'max_queued_messages 200000',
    'max_inflight_messages 0',
  ];
  if (options.tls) {
    lines.push(
      `cafile ${options.tls.cafile}`,
      `certfile ${options.tls.certfile}`,
      `keyfile ${options.tls.keyfile}`,
      `require_certificate ${options.tls.requireCertificate}`,
    );
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  chmodSync(conf, 0o644);
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port, 5000);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      await stop();
    },
    restart: start,
    pid: () => proc?.pid,
  };
}

export function removeBrokerDir(b: Broker): void {
  rmSync(b.dir, { recursive: true, force: true });
}

/** Where a persistent broker saves: writable by the user mosquitto drops to when started as root (its
 *  save fails silently otherwise, and every session is lost at a restart). */
function persistDir(dir: string): string {
  const p = join(dir, 'persist');
  mkdirSync(p);
  chmodSync(p, 0o777);
  return p;
}
