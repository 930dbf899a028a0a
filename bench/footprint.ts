// bench/footprint: what the gateway costs a Pi-class box on the reference job, against bare Node in the
// same run.
//
// Reference job (issue 11): 8 gas detectors over Modbus TCP (the simulator, its own process), 1 s poll,
// MQTT QoS 1 to a Mosquitto started here, the status page and /metrics on. The real `run` process runs for
// JX_BENCH_S seconds (default 60); sampled every second from /proc: RSS (VmRSS), CPU (utime + stime), disk
// writes (/proc/PID/io write_bytes and wchar, extrapolated to an hour); at the end /metrics gives the
// event-loop lag p99 and the heap/external split (prom-client is loaded by the first scrape, after the
// sampled window). Baselines measured in the same run, same sampling: bare `node` idling, and `node` with
// every runtime dependency imported.
//
// Run: npm run bench:footprint   (prints figures; never fails on a number)
//
// A release bundle instead of this checkout (deploy/release/): JX_BENCH_BUNDLE=DIR, the unpacked
// jiuxiao-gateway-V-linux-ARCH folder; the gateway runs on the bundle's own Node and modules. A bundle of
// another architecture runs under qemu-user when binfmt is set up: JX_BENCH_QEMU_ROOT=DIR names a Debian
// root of that architecture for its libraries (QEMU_LD_PREFIX). Under emulation the RSS includes qemu's own
// memory and the CPU figure is the emulator's: label such figures emulated.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchBroker, freePort, waitForPort } from './lib/broker.js';
import { HOTPOT } from './lib/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SECONDS = Number(process.env.JX_BENCH_S ?? 60);
const BUNDLE = process.env.JX_BENCH_BUNDLE;
const QEMU_ROOT = process.env.JX_BENCH_QEMU_ROOT;
/** The Node the gateway and both baselines run on: the bundle's own, or this one. */
const NODE = BUNDLE ? join(BUNDLE, 'bin/node') : process.execPath;
const NODE_ENV: Record<string, string> = QEMU_ROOT ? { QEMU_LD_PREFIX: QEMU_ROOT } : {};
const cleanup: (() => void)[] = [];
const DETECTORS = 8;
const TICK = 1000;
const HZ = 100; // USER_HZ: /proc/PID/stat counts CPU in 1/100 s on Linux
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  rssKB: number;
  /** RssAnon: the process's own memory (heaps, isolates, malloc); RssFile: mapped files, mostly the node
   *  binary's pages, shared with every node process and dropped by the kernel under pressure. */
  anonKB: number;
  fileKB: number;
  cpuTicks: number;
  /** Bytes the process sent to storage itself (write_bytes: fsyncs; the kernel's flusher writes the rest). */
  writeBytes: number;
  /** Bytes passed to write(2) and friends (wchar: files, and sockets too). */
  wchar: number;
}

function sample(pid: number): Sample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let io = '';
    try {
      io = readFileSync(`/proc/${pid}/io`, 'utf8');
    } catch {
      // /proc/PID/io needs the same user or root: without it, no disk figure
    }
    const num = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? 0);
    return {
      rssKB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      anonKB: Number(/^RssAnon:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      fileKB: Number(/^RssFile:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      writeBytes: num('write_bytes'),
      wchar: num('wchar'),
    };
  } catch {
    return undefined;
  }
}

interface Figures {
  rssMB: { median: number; max: number };
  anonMB: number;
  fileMB: number;
  cpuPct: number;
  writeMBPerHour: number;
  wcharMBPerHour: number;
}

/** Samples a running process every second for `seconds` after `warmS` of warm-up. */
async function measure(proc: ChildProcess, seconds: number, warmS = 5): Promise<Figures> {
  await sleep(warmS * 1000);
  const pid = proc.pid as number;
  const first = sample(pid);
  const t0 = performance.now();
  const rss: number[] = [];
  const anon: number[] = [];
  const file: number[] = [];
  let last = first;
  for (let i = 0; i < seconds; i++) {
    await sleep(TICK);
    const s = sample(pid);
    if (!s) break;
    rss.push(s.rssKB / 1024);
    anon.push(s.anonKB / 1024);
    file.push(s.fileKB / 1024);
    last = s;
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  rss.sort((a, b) => a - b);
  return {
    rssMB: { median: rss[Math.floor(rss.length / 2)] ?? 0, max: rss.at(-1) ?? 0 },
    anonMB: median(anon),
    fileMB: median(file),
    cpuPct: first && last ? ((last.cpuTicks - first.cpuTicks) / HZ / elapsedS) * 100 : NaN,
    writeMBPerHour: first && last ? (((last.writeBytes - first.writeBytes) / elapsedS) * 3600) / 1e6 : NaN,
    wcharMBPerHour: first && last ? (((last.wchar - first.wchar) / elapsedS) * 3600) / 1e6 : NaN,
  };
}

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  return p;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

// On the disk the repository is on (write_bytes counts what reaches the storage layer: a tmpfs /tmp has none).
mkdirSync(join(ROOT, '.jiuxiao-bench'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.jiuxiao-bench', 'footprint-'));
const procs: ChildProcess[] = [];
const broker = await benchBroker();
try {
  // Baselines, one after the other so they do not share the CPU with the job.
  const bare = start(NODE, ['-e', 'setInterval(() => {}, 1000)'], NODE_ENV);
  procs.push(bare);
  const bareFig = await measure(bare, Math.min(20, SECONDS), 2);
  await stop(bare);
  const deps = ['better-sqlite3', 'mqtt', 'modbus-serial', 'serialport', 'pino', 'zod', 'yaml', 'prom-client', 'onoff'];
  // Inside the package, so the bare imports resolve (ESM ignores NODE_PATH).
  // (In a bundle: beside its own node_modules, built for its own Node; removed at the end.)
  const depsFile = BUNDLE ? join(BUNDLE, 'footprint-deps.mjs') : join(ROOT, 'dist', 'bench', 'footprint-deps.mjs');
  cleanup.push(() => rmSync(depsFile, { force: true }));
  writeFileSync(
    depsFile,
    `${deps.map((d, i) => `import * as d${i} from '${d}';`).join('\n')}\nglobalThis.keep = [${deps.map((_, i) => `d${i}`).join(', ')}];\nsetInterval(() => {}, 1000);\n`,
  );
  const withDeps = start(NODE, [depsFile], NODE_ENV);
  procs.push(withDeps);
  const depsFig = await measure(withDeps, Math.min(20, SECONDS), 3);
  await stop(withDeps);

  // The reference job.
  const simPort = await freePort();
  const sim = start(process.execPath, [
    join(ROOT, 'dist/simulator/cli/main.js'),
    'devices',
    '--tcp',
    String(simPort),
    ...Array.from({ length: DETECTORS }, (_, i) => ['--device', `gas-lel:${i + 1}`]).flat(),
  ]);
  procs.push(sim);
  await waitForPort(simPort, 10_000);
  const statusPort = await freePort();
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      gateway: { id: 'GW-BENCH-0001', dataDir: join(dir, 'data') },
      venue: { ...HOTPOT, id: 'V-BENCH', name: 'bench' },
      buses: [{ id: 'tcp', type: 'tcp', host: '127.0.0.1', port: simPort, timeoutMs: 500 }],
      devices: Array.from({ length: DETECTORS }, (_, i) => ({ id: `gas-${i + 1}`, bus: 'tcp', slaveId: i + 1, profile: 'gas-lel', pollIntervalMs: 1000 })),
      uplink: { url: broker.url },
      status: { host: '127.0.0.1', port: statusPort },
    }),
  );
  const t0 = performance.now();
  const gw = start(
    NODE,
    [...(process.env.JX_NODE_FLAGS ?? '').split(' ').filter(Boolean), join(BUNDLE ?? ROOT, 'dist/gateway/cli/main.js'), 'run', '--config', config],
    NODE_ENV,
  );
  procs.push(gw);
  await waitForPort(statusPort, 60_000);
  const startS = (performance.now() - t0) / 1000;
  const gwFig = await measure(gw, SECONDS, 5);
  // prom-client loads at the first scrape (not during the sampled window): scrape, let its event-loop
  // monitor run 10 s, scrape again for the lag.
  await fetch(`http://127.0.0.1:${statusPort}/metrics`);
  await sleep(10_000);
  const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  await stop(gw);
  await stop(sim);

  const mb = (x: number) => x.toFixed(1);
  console.log(`footprint, ${DETECTORS} gas detectors over Modbus TCP at 1 s, MQTT QoS 1, status page on; ${SECONDS} s sampled each second`);
  console.log(
    `gateway: ${BUNDLE ? `release bundle ${BUNDLE}${QEMU_ROOT ? ' under qemu-user (EMULATED)' : ''}` : `this checkout on ${process.version}`}; status page up ${startS.toFixed(1)} s after the start`,
  );
  console.log(
    `| process | RSS median / max | anon / file (median) | CPU % of a core | written to storage (write_bytes) | write calls (wchar, files + sockets) |`,
  );
  console.log(`|---|---|---|---|---|---|`);
  console.log(
    `| bare node (baseline) | ${mb(bareFig.rssMB.median)} / ${mb(bareFig.rssMB.max)} MB | ${mb(bareFig.anonMB)} / ${mb(bareFig.fileMB)} MB | ${bareFig.cpuPct.toFixed(2)} | ${mb(bareFig.writeMBPerHour)} MB/h | ${mb(bareFig.wcharMBPerHour)} MB/h |`,
  );
  console.log(
    `| node + every dependency imported | ${mb(depsFig.rssMB.median)} / ${mb(depsFig.rssMB.max)} MB | ${mb(depsFig.anonMB)} / ${mb(depsFig.fileMB)} MB | ${depsFig.cpuPct.toFixed(2)} | ${mb(depsFig.writeMBPerHour)} MB/h | ${mb(depsFig.wcharMBPerHour)} MB/h |`,
  );
  console.log(
    `| gateway (reference job${QEMU_ROOT ? ', emulated' : ''}) | ${mb(gwFig.rssMB.median)} / ${mb(gwFig.rssMB.max)} MB | ${mb(gwFig.anonMB)} / ${mb(gwFig.fileMB)} MB | ${gwFig.cpuPct.toFixed(2)} | ${mb(gwFig.writeMBPerHour)} MB/h | ${mb(gwFig.wcharMBPerHour)} MB/h |`,
  );
  console.log(`gateway RSS / bare node: ${(gwFig.rssMB.median / bareFig.rssMB.median).toFixed(2)}×`);
  console.log(
    `at the end (/metrics): heap used ${mb(metric('nodejs_heap_size_used_bytes') / 1e6)} MB of ${mb(metric('nodejs_heap_size_total_bytes') / 1e6)} MB, external ${mb(metric('nodejs_external_memory_bytes') / 1e6)} MB, RSS ${mb(metric('process_resident_memory_bytes') / 1e6)} MB; event-loop lag p99 ${(metric('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)} ms (10 s after the first scrape)`,
  );
} finally {
  for (const p of procs) await stop(p);
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  for (const c of cleanup) c();
}
