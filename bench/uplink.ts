// bench/uplink: the outbox and the uplink against their baselines, measured in the same run.
//   1. outbox commit rate: alarms (one durable transaction each), events in bursts of 100, telemetry
//      spilled from memory 100 at a time, against raw better-sqlite3 inserts of the same payloads (one
//      transaction each, or 100 rows per transaction) with the same pragmas.
//   2. drain of a 100 000-message backlog to Mosquitto, against raw mqtt.js QoS 1 publishing of the same
//      messages with the same in-flight window (target ≥ 0.8), and the latency of new alarms committed
//      during the drain until a subscriber has them (target p99 < 1 s).
//   3. disk bytes written per hour at the reference load (8 devices polled every second, defaults).
// Run: npm run bench:uplink   (prints figures; never fails on a time)

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { loadConfigText, UplinkSection } from '../config/index.js';
import { BUILTIN_PROFILES } from '../drivers/profiles/index.js';
import { createLogger } from '../gateway/log/logger.js';
import { Outbox } from '../gateway/outbox/outbox.js';
import { GatewayService } from '../gateway/service.js';
import { Uplink } from '../gateway/uplink/uplink.js';
import { SimConfigSchema } from '../simulator/config.js';
import { runSimulator } from '../simulator/run.js';
import { benchBroker, freePort } from './lib/broker.js';
import { HOTPOT, venueLine } from './lib/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = mkdtempSync(join(tmpdir(), 'jx-bench-uplink-'));
const meta = { boot: 'bench', mono: 0, unsynced: false };
const payload = (i: number) => ({
  v: 1,
  id: `m${i}`,
  gw: 'GW-BENCH',
  at: new Date().toISOString(),
  type: 'summary',
  channels: [{ device: 'efm', channel: 'residual-current', unit: 'mA', min: 38, avg: 41.2, max: 47, last: 40, n: 30 }],
});
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
// Sections to run: all by default, or those named on the command line (commits, drain, disk).
const SECTIONS = ['commits', 'drain', 'disk'] as const;
const asked = process.argv.slice(2);
for (const a of asked)
  if (!(SECTIONS as readonly string[]).includes(a)) throw new Error(`bench/uplink: unknown section "${a}" (sections: ${SECTIONS.join(', ')})`);
const runs = (s: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(s);
console.log('bench/uplink — jiuxiao-gateway', new Date().toISOString(), `node ${process.version}`);

// ------------------------------------------------------------------------------------------ 1. commits
// Three rounds, ours and raw SQLite alternating (a durable commit waits for the disk, whose speed
// wanders); each figure is the median of the per-round ratios.
if (runs('commits')) {
  const caps = { maxRows: 10_000_000, maxBytes: 1e12, reserveRows: 1000 };
  const N_ALARM = 1000;
  const N = 50_000;
  const body = (i: number) => Buffer.from(JSON.stringify({ ...payload(i), seq: i }));
  const ours = (round: number) => {
    const box = new Outbox(join(root, `c${round}`), caps);
    let t = performance.now();
    for (let i = 0; i < N_ALARM; i++) box.add('alarm', `a${i}`, meta, ({ seq }) => ({ ...payload(i), seq }));
    const alarm = performance.now() - t;
    // Events in bursts of 100: one transaction, one row each.
    t = performance.now();
    for (let i = 0; i < N; i += 100)
      box.addMany(
        Array.from({ length: 100 }, (_, k) => ({
          topic: 'event' as const,
          id: `e${i + k}`,
          meta,
          build: ({ seq }: { seq: number }) => ({ ...payload(i + k), seq }),
        })),
      );
    const events = performance.now() - t;
    // Telemetry as production writes it: made in memory, spilled 100 at a time (a pack per spill).
    t = performance.now();
    for (let i = 0; i < N; i += 100) {
      for (let k = 0; k < 100; k++) box.addVolatile('telemetry', `t${i + k}`, meta, ({ seq }) => ({ ...payload(i + k), seq }));
      box.spill(new Set());
    }
    const telemetry = performance.now() - t;
    box.close();
    return { alarm, events, telemetry };
  };
  const raw = (round: number) => {
    const db = new Database(join(root, `raw${round}.db`));
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE m (rowid INTEGER PRIMARY KEY, id TEXT, payload BLOB)'); // the least a message needs
    const ins = db.prepare('INSERT INTO m (id, payload) VALUES (?, ?)');
    let t = performance.now();
    for (let i = 0; i < N_ALARM; i++) ins.run(`a${i}`, body(i));
    const alarm = performance.now() - t;
    const batch = db.transaction((from: number) => {
      for (let k = 0; k < 100; k++) ins.run(`t${from + k}`, body(from + k));
    });
    t = performance.now();
    for (let i = 0; i < N; i += 100) batch(i);
    const batched = performance.now() - t;
    db.close();
    return { alarm, batched };
  };
  console.log('\n1. outbox commits (synchronous=FULL, WAL), 3 rounds');
  const ratios = { alarm: [] as number[], events: [] as number[], telemetry: [] as number[] };
  for (let r = 0; r < 3; r++) {
    const b = raw(r);
    const o = ours(r);
    ratios.alarm.push(b.alarm / o.alarm);
    ratios.events.push(b.batched / o.events);
    ratios.telemetry.push(b.batched / o.telemetry);
    console.log(
      `round ${r + 1}: alarms one transaction each ${rate(N_ALARM, o.alarm)} /s (raw SQLite ${rate(N_ALARM, b.alarm)} /s); ` +
        `events in bursts of 100 ${rate(N, o.events)} /s, telemetry spilled 100 at a time ${rate(N, o.telemetry)} /s (raw SQLite, 100 rows a transaction, ${rate(N, b.batched)} /s)`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(
    `median ratios: alarms ${median(ratios.alarm).toFixed(2)}, events ${median(ratios.events).toFixed(2)}, telemetry ${median(ratios.telemetry).toFixed(2)} (one pack per spill)`,
  );
}

// -------------------------------------------------------------------------------------------- 2. drain
// Rounds alternate the baselines and ours, so a slow spell of the machine (the broker shares its two
// cores) hits all of them; the figure is the median of the per-round ratios.
if (runs('drain')) {
  const broker = await benchBroker();
  const N = 100_000;
  const WINDOW = 16;
  const ROUNDS = 5;
  const bodies = Array.from({ length: 1000 }, (_, i) => Buffer.from(JSON.stringify({ ...payload(i), seq: i })));
  // Baseline: raw mqtt.js, QoS 1, at most WINDOW unacknowledged, refilled from memory. `perTurn`: the
  // refill waits for the end of the event-loop turn, as our uplink does (publishes leave together).
  const rawDrain = async (perTurn: boolean): Promise<number> => {
    const client = await mqtt.connectAsync(broker.url, { clientId: 'raw-bench', clean: true });
    const t = performance.now();
    await new Promise<void>((resolve) => {
      let sent = 0;
      let acked = 0;
      let pending = false;
      const pump = () => {
        pending = false;
        while (sent < N && sent - acked < WINDOW) {
          sent++;
          client.publish('bench/raw', bodies[sent % 1000] as Buffer, { qos: 1 }, () => {
            acked++;
            if (acked === N) resolve();
            else if (!perTurn) pump();
            else if (!pending) {
              pending = true;
              setImmediate(pump);
            }
          });
        }
      };
      pump();
    });
    const ms = performance.now() - t;
    await client.endAsync();
    return ms;
  };
  // Ours: a 100 000-message backlog in the outbox, drained by the uplink with the same window, while a
  // new alarm is committed every 100 ms and timed until a subscriber has it. Two backlogs:
  //   outage — what a broker outage leaves: telemetry spilled from memory in packs (the production path);
  //   events — 100 000 events, each committed on its own row (the worst case: alarms and events).
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'bench-sub' });
  const arrived = new Map<string, number>();
  sub.on('message', (_t, p) => {
    const m = JSON.parse(p.toString()) as { id: string };
    if (m.id.startsWith('late-')) arrived.set(m.id, performance.now());
  });
  await sub.subscribeAsync('jx/v1/GW-BENCH/alarm', { qos: 1 });
  const committedAt = new Map<string, number>();
  const ourDrain = async (round: number, backlog: 'outage' | 'events'): Promise<number> => {
    const box = new Outbox(join(root, `d${round}-${backlog}`), { maxRows: 10_000_000, maxBytes: 1e12, reserveRows: 1000 });
    if (backlog === 'outage') {
      for (let i = 0; i < N; i++) box.addVolatile('telemetry', `t${i}`, meta, ({ seq }) => ({ ...payload(i), seq }));
      box.spill(new Set());
    } else {
      for (let i = 0; i < N; i += 1000)
        box.addMany(
          Array.from({ length: 1000 }, (_, k) => ({
            topic: 'event' as const,
            id: `e${i + k}`,
            meta,
            build: ({ seq }: { seq: number }) => ({ ...payload(i + k), seq }),
          })),
        );
    }
    const up = new Uplink(UplinkSection.parse({ url: broker.url, inflight: WINDOW }), {
      gatewayId: 'GW-BENCH',
      outbox: box,
      log: createLogger({ level: 'silent' }),
      onCommand: async () => undefined,
    });
    const t = performance.now();
    up.start();
    const alarms = setInterval(() => {
      const id = `late-${randomUUID()}`;
      committedAt.set(id, performance.now());
      box.add('alarm', id, meta, ({ seq }) => ({ id, seq }));
      up.urgent();
    }, 100);
    while (box.size > 0) await sleep(5);
    const ms = performance.now() - t;
    clearInterval(alarms);
    await sleep(300);
    await up.stop();
    box.close();
    return ms;
  };
  console.log(`\n2. drain of a ${N}-message backlog to Mosquitto (QoS 1, ${WINDOW} in flight), ${ROUNDS} rounds`);
  const ratios = { outage: [[], []] as number[][], events: [[], []] as number[][] };
  for (let r = 0; r < ROUNDS; r++) {
    const perAck = await rawDrain(false);
    const perTurn = await rawDrain(true);
    const outage = await ourDrain(r, 'outage');
    const events = await ourDrain(r, 'events');
    for (const [k, ms] of [
      ['outage', outage],
      ['events', events],
    ] as const) {
      ratios[k][0]?.push(perAck / ms);
      ratios[k][1]?.push(perTurn / ms);
    }
    console.log(
      `round ${r + 1}: raw mqtt.js ${rate(N, perAck)} msg/s (refill per PUBACK), ${rate(N, perTurn)} msg/s (refill per loop turn); ` +
        `outbox+uplink ${rate(N, outage)} msg/s (outage backlog), ${rate(N, events)} msg/s (event rows)`,
    );
  }
  await sub.endAsync();
  await broker.stop();
  const median = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  for (const k of ['outage', 'events'] as const) {
    console.log(
      `median ratio, ${k === 'outage' ? 'outage backlog (spilled telemetry)' : 'event rows (one per message)'}: ${median(ratios[k][0]).toFixed(3)} of raw mqtt.js refilled per PUBACK, ${median(ratios[k][1]).toFixed(3)} refilled per loop turn (target ≥ 0.8)`,
    );
  }
  const lat = [...committedAt]
    .filter(([id]) => arrived.has(id))
    .map(([id, at]) => (arrived.get(id) as number) - at)
    .sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  console.log(
    `new alarms during the drains: ${lat.length} of ${committedAt.size} measured, commit → subscriber p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${(lat.at(-1) ?? NaN).toFixed(1)} ms (target p99 < 1000 ms)`,
  );
}

// ---------------------------------------------------------------------------------------- 3. disk bytes
if (runs('disk')) {
  const readIo = () => {
    const io = Object.fromEntries(
      readFileSync('/proc/self/io', 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(': '))
        .map(([k, v]) => [k, Number(v)]),
    ) as Record<string, number>;
    return { write: io.write_bytes ?? 0, wchar: io.wchar ?? 0 };
  };
  const broker = await benchBroker();
  const port = await freePort();
  const profiles = ['gas-lel', 'gas-lel', 'smoke', 'smoke', 'electrical-fire', 'electrical-fire', 'acrel-asj', 'relay'];
  const sim = await runSimulator(
    SimConfigSchema.parse({ servers: [{ type: 'tcp', port, devices: profiles.map((p, i) => ({ id: `d${i}`, profile: p, slaveId: i + 1 })) }] }),
  );
  const dataDir = join(root, 'ref');
  const yaml = `gateway: { id: GW-REF-0001, dataDir: ${dataDir} }
${venueLine(HOTPOT, { id: 'V' })}
buses: [{ id: tcp, type: tcp, host: 127.0.0.1, port: ${port} }]
devices:
${profiles.map((p, i) => `  - { id: d${i}, bus: tcp, slaveId: ${i + 1}, profile: ${p}, pollIntervalMs: 1000 }`).join('\n')}
uplink: { url: "${broker.url}" }
log: { level: warn }
status: { enabled: false }
`;
  const loaded = loadConfigText(yaml, 'ref.yaml', { builtinProfiles: BUILTIN_PROFILES, env: {} });
  if (!loaded.config || !loaded.risk) throw new Error(JSON.stringify(loaded.errors));
  const service = new GatewayService(loaded.config, loaded.risk, {
    profiles: BUILTIN_PROFILES,
    log: createLogger({ level: 'silent' }),
    clockSynced: true,
  });
  await service.start();
  await sleep(5000);
  const seconds = 120;
  const io0 = readIo();
  await sleep(seconds * 1000);
  const io1 = readIo();
  await service.stop();
  await sim.close();
  await broker.stop();
  const perHour = (b: number) => ((b / seconds) * 3600) / 1048576;
  console.log(`\n3. disk writes at the reference load (8 devices, 1 s poll, default intervals), over ${seconds} s`);
  console.log(
    `write_bytes (to the block layer): ${perHour(io1.write - io0.write).toFixed(2)} MB/h   wchar (all write calls): ${perHour(io1.wchar - io0.wchar).toFixed(2)} MB/h`,
  );
}
rmSync(root, { recursive: true, force: true });
