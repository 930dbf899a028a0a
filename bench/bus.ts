// bench/bus: how close the bus comes to the physical limit of the line, and what one dead device costs.
//
// 1. Throughput: eight devices with the reference profiles on one RTU line (a real socat pty), the
//    simulator pacing every reply by its wire time at the baud rate, polled as fast as possible.
//    Achieved transactions per second against the wire limit of the same transaction mix
//    (request + reply bytes + 3.5-character silences), at 9600 and 115200 baud. Target ≥ 0.9.
// 2. Dead device: poll-cycle time of seven healthy devices alone, then with an eighth that never
//    answers (500 ms timeout, as configured by default), measured after its breaker opened.
//    Invariant 4 allows ≤ 1.10.
//
// Run: npm run bench:bus   (prints figures; never fails on a time)

import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';
import { createBus } from '../drivers/bus/create.js';
import { Poller } from '../drivers/bus/poller.js';
import { planDevice } from '../drivers/bus/device-reader.js';
import { transactionWireMs } from '../drivers/plan/wire-time.js';
import { SimDevice } from '../simulator/device/sim-device.js';
import { serveRtu } from '../simulator/server/servers.js';
import { Station } from '../simulator/server/station.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REFERENCE = ['gas-lel', 'gas-lel', 'smoke', 'smoke', 'electrical-fire', 'electrical-fire', 'acrel-asj', 'relay'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withPty<T>(fn: (gateway: string, device: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'jx-bench-'));
  const a = join(dir, 'gw');
  const b = join(dir, 'dev');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 250 && !(existsSync(a) && existsSync(b)); i++) await sleep(20);
    return await fn(a, b);
  } finally {
    socat.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function devices(profiles: string[]): SimDevice[] {
  return profiles.map((p, i) => new SimDevice(`${p}-${i + 1}`, p, BUILTIN_PROFILES[p]!, i + 1, i + 1));
}

async function throughput(baud: 9600 | 115200, seconds: number) {
  return withPty(async (gw, dev) => {
    const sims = devices(REFERENCE);
    const server = await serveRtu(new Station(sims, { baud }), dev, baud);
    const bus = createBus({ id: 'bench', type: 'rtu', path: gw, baud, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs: 500, retries: 0 });
    await bus.start();
    const specs = sims.map((s) => ({ id: s.id, slaveId: s.slaveId, profile: s.profile, pollIntervalMs: 0 }));
    // Wire limit of the mix: one cycle reads every block of every device once.
    let cycleTx = 0;
    let cycleWireMs = 0;
    for (const s of specs) {
      for (const b of planDevice(s).blocks) {
        cycleTx++;
        cycleWireMs += transactionWireMs({ fc: b.fc, address: b.address, count: b.count }, baud);
      }
    }
    const limitTps = (cycleTx * 1000) / cycleWireMs;
    const poller = new Poller(bus, specs);
    poller.start();
    await sleep(500); // warm up
    const t0 = performance.now();
    const s0 = bus.snapshot();
    await sleep(seconds * 1000);
    const s1 = bus.snapshot();
    const elapsed = (performance.now() - t0) / 1000;
    await poller.stop();
    await bus.stop();
    await server.close();
    const tps = (s1.ok - s0.ok) / elapsed;
    return { baud, cycleTx, cycleWireMs, limitTps, tps, ratio: tps / limitTps, errors: s1.transactions - s1.ok - (s0.transactions - s0.ok) };
  });
}

async function cycleTime(withDead: boolean, seconds: number) {
  return withPty(async (gw, dev) => {
    const healthy = devices(['gas-lel', 'gas-lel', 'smoke', 'smoke', 'electrical-fire', 'electrical-fire', 'acrel-asj']);
    const dead = new SimDevice('dead', 'gas-lel', BUILTIN_PROFILES['gas-lel']!, 8);
    dead.faults = { noReply: true };
    const baud = 9600;
    const server = await serveRtu(new Station([...healthy, dead], { baud }), dev, baud);
    const bus = createBus({ id: 'bench', type: 'rtu', path: gw, baud, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs: 500, retries: 1 });
    await bus.start();
    const list = withDead ? [...healthy, dead] : healthy;
    const poller = new Poller(
      bus,
      list.map((s) => ({ id: s.id, slaveId: s.slaveId, profile: s.profile, pollIntervalMs: 0 })),
    );
    let reads = 0;
    poller.on('reading', () => reads++);
    poller.start();
    // Until the dead device's breaker is open (three failed polls with a retry each: ~3.3 s).
    for (let i = 0; i < 200 && withDead && poller.statuses().find((s) => s.id === 'dead')?.breaker !== 'open'; i++) await sleep(100);
    await sleep(500);
    const r0 = reads;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const elapsed = performance.now() - t0;
    const cycles = (reads - r0) / healthy.length;
    const probes = withDead ? poller.statuses().find((s) => s.id === 'dead')?.polls : 0;
    await poller.stop();
    await bus.stop();
    await server.close();
    return { cycleMs: elapsed / cycles, cycles, probes };
  });
}

const fmt = (n: number, d = 1) => n.toFixed(d);

console.log('bench/bus — jiuxiao-gateway', new Date().toISOString(), `node ${process.version}`);
console.log('\n1. throughput against the wire limit (8 reference devices, RTU on a pty, paced by the simulator)');
console.log('baud    tx/cycle  wire ms/cycle  limit tx/s  achieved tx/s  ratio  errors');
for (const [baud, secs] of [
  [9600, 10],
  [115200, 5],
] as const) {
  const r = await throughput(baud, secs);
  console.log(
    `${String(r.baud).padEnd(7)} ${String(r.cycleTx).padEnd(9)} ${fmt(r.cycleWireMs).padEnd(14)} ${fmt(r.limitTps).padEnd(11)} ${fmt(r.tps).padEnd(14)} ${fmt(r.ratio, 3).padEnd(6)} ${r.errors}`,
  );
}
console.log('\n2. poll-cycle time of 7 healthy devices at 9600 baud, alone and with 1 dead device (timeout 500 ms)');
const alone = await cycleTime(false, 15);
const dead = await cycleTime(true, 30);
console.log(`alone      ${fmt(alone.cycleMs)} ms per cycle over ${fmt(alone.cycles, 0)} cycles`);
console.log(`with dead  ${fmt(dead.cycleMs)} ms per cycle over ${fmt(dead.cycles, 0)} cycles (dead device polled ${dead.probes} times in all)`);
console.log(`ratio      ${fmt(dead.cycleMs / alone.cycleMs, 3)} (invariant 4: ≤ 1.10)`);
