// bench/fleet: a county's worth of gateways on this box. For each fleet size (default 1 000, 5 000, 10 000):
// one Mosquitto (started here), the reference platform (`jiuxiao-sim platform`, its own process) and the
// fleet (`jiuxiao-sim fleet`, its own process: heartbeat every 10 s, telemetry every 60 s, 5 alarms/s over
// the fleet). Once every gateway is connected, 30 s of steady load, then:
//   - gateways held connected with heartbeats flowing (a heartbeat at the platform within the last 20 s),
//   - the platform's intake (messages/s) against what the fleet published in the same window,
//   - alarm end to end (the gateway's `at` → case assigned at the platform) p50/p99 (target p99 < 1 s),
//   - RSS of the broker, the fleet (and per simulated gateway) and the platform; CPU of each.
// Run: npm run bench:fleet [-- 1000 5000 10000]   (prints figures; never fails on a time)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { benchBroker, freePort, waitForPort } from './lib/broker.js';

const SIM = join(import.meta.dirname, '..', 'simulator', 'cli', 'main.js');
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [1000, 5000, 10000];
const STEADY_S = Number(process.env.JX_BENCH_STEADY_S ?? 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** CPU seconds (user + system) a process has used. */
function cpuS(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

function start(args: string[], ready: RegExp, timeoutMs: number): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn('node', [SIM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args[0]} not ready in ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
    const check = setInterval(() => {
      if (ready.test(out)) {
        clearTimeout(t);
        clearInterval(check);
        resolve({ proc, out: () => out });
      }
    }, 50);
    proc.once('exit', (code) => {
      clearTimeout(t);
      clearInterval(check);
      reject(new Error(`${args[0]} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

interface Overview {
  intake: {
    received: number;
    ratePerS: number;
    violations: number;
    duplicates: number;
    lost: number;
    alarmLatencyMs: { n: number; p50: number; p99: number; max: number };
    loopDelayMaxMs: number;
  };
  gateways: { total: number; online: number };
}

async function run(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'jx-bench-fleet-'));
  const broker = await benchBroker();
  const http = await freePort();
  const procs: ChildProcess[] = [];
  try {
    const platform = await start(['platform', '--url', broker.url, '--http', String(http), '--data', join(dir, 'p')], /ready/, 20_000);
    procs.push(platform.proc);
    await waitForPort(http, 5000);
    const t0 = performance.now();
    const fleet = await start(
      ['fleet', '--url', broker.url, '--gateways', String(n), '--heartbeat', '10', '--telemetry', '60', '--alarm-rate', '5', '--connect-rate', '1000'],
      /ready/,
      600_000,
    );
    procs.push(fleet.proc);
    const connectS = (performance.now() - t0) / 1000;
    const overview = async (since = 0) => (await (await fetch(`http://127.0.0.1:${http}/api/overview?venues=0&latencySince=${since}`)).json()) as Overview;
    const published = () => {
      const lines = fleet.out().match(/published [^\n]*/g) ?? [];
      return lines.at(-1) ?? '';
    };
    const pids = { broker: broker.pid, fleet: fleet.proc.pid as number, platform: platform.proc.pid as number };
    const cpu0 = { broker: cpuS(pids.broker), fleet: cpuS(pids.fleet), platform: cpuS(pids.platform) };
    const o0 = await overview();
    const w0 = performance.now();
    const steadyFrom = Date.now();
    await sleep(STEADY_S * 1000);
    const o1 = await overview(steadyFrom);
    const ramp = (await overview()).intake.alarmLatencyMs;
    const wS = (performance.now() - w0) / 1000;
    const cpu = {
      broker: (cpuS(pids.broker) - cpu0.broker) / wS,
      fleet: (cpuS(pids.fleet) - cpu0.fleet) / wS,
      platform: (cpuS(pids.platform) - cpu0.platform) / wS,
    };
    const rss = { broker: rssMB(pids.broker), fleet: rssMB(pids.fleet), platform: rssMB(pids.platform) };
    const db = new Database(join(dir, 'p', 'platform.db'), { readonly: true });
    const beating = db
      .prepare('SELECT COUNT(*) FROM gateways WHERE last_heartbeat > ?')
      .pluck()
      .get(Date.now() - 20_000) as number;
    db.close();
    const intake = (o1.intake.received - o0.intake.received) / wS;
    const l = o1.intake.alarmLatencyMs;
    return [
      `${n} gateways: all connected in ${connectS.toFixed(1)} s; ${beating} with a heartbeat at the platform in the last 20 s (${o1.gateways.online} online)`,
      `  platform intake ${intake.toFixed(0)} msg/s over ${wS.toFixed(0)} s (expected ≈ ${(n / 10 + n / 60 + 5 * 2).toFixed(0)}: heartbeats + telemetry + alarms and clearings); violations ${o1.intake.violations}, duplicates ${o1.intake.duplicates}, lost seqs ${o1.intake.lost}`,
      `  alarm → case, steady window: p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms over ${l.n} alarms (target p99 < 1000 ms); with the connect ramp: p99 ${ramp.p99} ms, max ${ramp.max} ms over ${ramp.n}; the platform's longest event-loop delay ${o1.intake.loopDelayMaxMs} ms`,
      `  RSS: broker ${rss.broker.toFixed(0)} MB, fleet ${rss.fleet.toFixed(0)} MB (${((rss.fleet * 1024) / n).toFixed(1)} KB per gateway), platform ${rss.platform.toFixed(0)} MB`,
      `  CPU (cores): broker ${cpu.broker.toFixed(2)}, fleet ${cpu.fleet.toFixed(2)}, platform ${cpu.platform.toFixed(2)} of 2`,
      `  fleet's last progress line: ${published()}`,
    ].join('\n');
  } finally {
    for (const p of procs.reverse()) await stop(p);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`bench/fleet — jiuxiao-gateway ${new Date().toISOString()} node ${process.version}; steady ${STEADY_S} s per size`);
for (const n of SIZES) console.log(await run(n));
