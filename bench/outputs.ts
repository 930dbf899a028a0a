// bench/outputs: how soon an output an alarm demands is driven again after its relay module comes back.
//
// The runtime in process (real buses, real poller, the reconciler) on the simulator over Modbus TCP: a
// gas alarm holds the valve closed and the fan and buzzer on; the relay module then "reboots" 20 times
// (silent 1 s, back with every relay released). Measured each time: from the moment the module answers
// again to the moment its coils are on again. Baselines from the same run: the relay device's poll
// interval (how soon the poller can see it back) and one fc 05 + fc 01 round trip on the same bus (the
// least a re-drive can cost).
//
// Run: npm run bench:outputs   (prints figures; never fails on a time)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../config/index.js';
import { createBus } from '../drivers/bus/create.js';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';
import { createLogger } from '../gateway/log/logger.js';
import { GatewayRuntime } from '../gateway/runtime.js';
import { SimConfigSchema } from '../simulator/config.js';
import { runSimulator } from '../simulator/run.js';
import { freePort } from './lib/broker.js';
import { HOTPOT } from './lib/fixtures.js';

const ROUNDS = 20;
const OFFLINE_MS = 1000;
const RELAY_POLL_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const port = await freePort();
const sim = await runSimulator(
  SimConfigSchema.parse({
    servers: [
      {
        type: 'tcp',
        port,
        devices: [
          { id: 'gas', profile: 'gas-lel', slaveId: 1 },
          { id: 'relays', profile: 'relay', slaveId: 9 },
        ],
      },
    ],
  }),
);
const relay = sim.devices.find((d) => d.id === 'relays')!;
const gas = sim.devices.find((d) => d.id === 'gas')!;
const dir = mkdtempSync(join(tmpdir(), 'jx-bench-outputs-'));
const bus = { id: 'tcp', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 300, retries: 0 };
const config = ConfigSchema.parse({
  gateway: { id: 'GW-BENCH-0001', dataDir: join(dir, 'data') },
  venue: { ...HOTPOT, name: 'bench' },
  buses: [bus],
  devices: [
    { id: 'gas', bus: 'tcp', slaveId: 1, profile: 'gas-lel', group: 'kitchen', pollIntervalMs: 250 },
    { id: 'relays', bus: 'tcp', slaveId: 9, profile: 'relay', pollIntervalMs: RELAY_POLL_MS },
  ],
  outputs: [
    { id: 'valve', role: 'gas-valve', driver: { type: 'modbus-coil', device: 'relays', coil: 0 }, closedLevel: 'off', safeState: 'off' },
    { id: 'fan', role: 'fan', driver: { type: 'modbus-coil', device: 'relays', coil: 1 } },
    { id: 'buzzer', role: 'buzzer', driver: { type: 'modbus-coil', device: 'relays', coil: 2 } },
  ],
  linkage: [
    {
      when: { group: 'kitchen', kind: 'gas', state: 'alarm' },
      do: [
        { output: 'valve', action: 'close' },
        { output: 'fan', action: 'on' },
        { output: 'buzzer', action: 'on' },
      ],
    },
  ],
});

// Baseline: one re-drive's bus cost (write the coil, read it back) on this bus, median of 50.
const probe = createBus(config.buses[0]!);
await probe.start();
const trips: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  await probe.execute(9, { fc: 5, address: 7, value: i % 2 === 0 });
  await probe.execute(9, { fc: 1, address: 7, count: 1 });
  trips.push(performance.now() - t);
}
await probe.stop();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const rt = new GatewayRuntime(config, { profiles: BUILTIN_PROFILES, log: createLogger({ level: 'silent' }) });
await rt.start();
gas.pin('lel', 40, performance.now());
const on = () => {
  const v = relay.snapshot();
  return v['coil-0'] === false && v['coil-1'] === true && v['coil-2'] === true;
};
for (let i = 0; i < 200 && !on(); i++) await sleep(50);
if (!on()) throw new Error('the alarm never drove the relay: bench is wrong');

const samples: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  relay.reboot(OFFLINE_MS, performance.now());
  const back = performance.now() + OFFLINE_MS;
  await sleep(OFFLINE_MS);
  while (!on()) {
    await sleep(2);
    if (performance.now() - back > 30_000) throw new Error('not re-driven within 30 s');
  }
  samples.push(performance.now() - back);
  await sleep(300 + Math.random() * 700); // a different phase against the poll and re-read timers
}
await rt.stop();
await sim.close();
rmSync(dir, { recursive: true, force: true });

const sorted = [...samples].sort((a, b) => a - b);
console.log('bench/outputs — jiuxiao-gateway', new Date().toISOString(), `node ${process.version}`);
console.log(`relay module back → valve closed, fan and buzzer on again, over ${ROUNDS} reboots (${OFFLINE_MS} ms silent each):`);
console.log(`  median ${median(samples).toFixed(0)} ms, max ${(sorted.at(-1) as number).toFixed(0)} ms, min ${(sorted[0] as number).toFixed(0)} ms`);
console.log(`baselines: relay poll interval ${RELAY_POLL_MS} ms; one coil write + read-back ${median(trips).toFixed(2)} ms (median of 50)`);
console.log(
  `  median / poll interval: ${(median(samples) / RELAY_POLL_MS).toFixed(2)}; max / poll interval: ${((sorted.at(-1) as number) / RELAY_POLL_MS).toFixed(2)}`,
);
