// bench/centre: how fast a GB/T 26875.3 backlog drains after a centre outage, against what the protocol
// itself allows on the same loopback link, measured in the same run.
//   baseline: the same frames (an alarm's type 2 and type 3) written over one TCP connection to the
//     simulated centre and each confirm awaited before the next, with no outbox behind it: the standard's
//     one-frame-then-confirm rhythm is the ceiling of any implementation.
//   ours: N alarms committed to the real outbox (SQLite) while the centre is away, then the CentreLink
//     connects and drains them; rows deleted as their last frame is confirmed.
// Run: npm run bench:centre   (prints figures; never fails on a time)

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CentreSection } from '../config/index.js';
import { createLogger } from '../gateway/log/logger.js';
import { CentreLink } from '../gateway/centre/gbt26875/centre-link.js';
import { COMMANDS, encodeFrame, FrameReader, timeLabelOf } from '../gateway/centre/gbt26875/frame.js';
import { unitsFor } from '../gateway/centre/gbt26875/mapping.js';
import { OperationLog } from '../gateway/centre/gbt26875/operations.js';
import { centreRecordOf, type CentreRecord } from '../gateway/centre/gbt26875/record.js';
import type { ChannelEvent } from '../gateway/events.js';
import { encodeUnit } from '../gateway/centre/gbt26875/units.js';
import { Outbox } from '../gateway/outbox/outbox.js';
import { SimCentre } from '../simulator/centre/centre.js';

const N = Number(process.env.JX_BENCH_N ?? 2000);
const root = mkdtempSync(join(tmpdir(), 'jx-bench-centre-'));
const maps = [
  {
    device: 'kitchen-gas',
    channel: 'lel',
    kind: 'gas' as const,
    componentType: 11,
    componentAddress: 0x10001,
    description: '后厨 燃气',
    analogType: 6,
    analogScale: 10,
  },
];
const event = (i: number): ChannelEvent => ({
  type: 'channel',
  id: `a${i}`,
  device: 'kitchen-gas',
  channel: 'lel',
  kind: 'gas',
  state: i % 2 ? 'normal' : 'alarm',
  previousState: i % 2 ? 'alarm' : 'normal',
  reason: i % 2 ? 'cleared' : 'threshold',
  detail: '',
  value: 20 + (i % 10),
  latched: false,
  test: false,
  at: Date.now(),
  mono: 0,
});
const byChannel = new Map(maps.map((m) => [`${m.device}/${m.channel}`, m]));

async function baseline(): Promise<number> {
  const centre = new SimCentre({ address: 1 });
  const port = await centre.listen();
  const cfg = CentreSection.parse({ host: '127.0.0.1', port, address: 12345 });
  const frames = Array.from({ length: N }, (_, i) =>
    unitsFor(centreRecordOf({ event: event(i), reannounce: false }, byChannel)!, byChannel, cfg, 'Asia/Shanghai'),
  ).flat();
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise((r) => sock.once('connect', r));
  const reader = new FrameReader();
  let waiting: (() => void) | undefined;
  sock.on('data', (d: Buffer) => {
    if (reader.push(d).frames.some((f) => f.command === COMMANDS.confirm)) waiting?.();
  });
  const t0 = performance.now();
  let serial = -1;
  for (const unit of frames) {
    serial = (serial + 1) % 0x10000;
    const done = new Promise<void>((r) => (waiting = r));
    sock.write(
      encodeFrame({
        serial,
        version: { main: 1, user: 0 },
        time: timeLabelOf(new Date(), 'Asia/Shanghai'),
        source: 12345,
        destination: 1,
        command: COMMANDS.send,
        data: encodeUnit(unit),
      }),
    );
    await done;
  }
  const ms = performance.now() - t0;
  sock.destroy();
  await centre.close();
  return ms;
}

async function ours(): Promise<{ ms: number; frames: number }> {
  const box = new Outbox(join(root, 'outbox'), { maxRows: 1_000_000, maxBytes: 1e9, reserveRows: 100 });
  const queue = box.addReceiver<CentreRecord>({ name: 'centre', keep: (r) => centreRecordOf(r, byChannel), upgrade: () => undefined });
  for (let i = 0; i < N; i++) {
    const e = event(i);
    box.add('alarm', e.id, { boot: 'b', mono: 0, unsynced: false }, ({ seq }) => ({ id: e.id, seq }), { event: e, reannounce: false });
  }
  const centre = new SimCentre({ address: 1 });
  const port = await centre.listen();
  const link = new CentreLink({
    centre: CentreSection.parse({ host: '127.0.0.1', port, address: 12345, heartbeatS: 3600 }),
    zone: 'Asia/Shanghai',
    maps,
    queue,
    operations: new OperationLog(box.database),
    log: createLogger({ level: 'fatal', pretty: false, name: 'bench' }),
    channels: () => [],
    reading: () => undefined,
    onClock: () => undefined,
    version: { major: 0, minor: 1 },
    describe: 'bench',
  });
  const t0 = performance.now();
  link.start();
  while (queue.size > 0) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  const frames = centre.units().length;
  link.stop();
  await centre.close();
  box.close();
  return { ms, frames };
}

try {
  const base = await baseline();
  const run = await ours();
  const baseRate = (2 * N) / (base / 1000);
  const ourRate = run.frames / (run.ms / 1000);
  console.log(`centre drain, ${N} alarms (2 frames each: type 2 + type 3), one frame in flight, loopback TCP`);
  console.log(`| | frames | time | frames/s | alarms/s |`);
  console.log(`|---|---|---|---|---|`);
  console.log(
    `| baseline: frame → confirm, nothing behind it | ${2 * N} | ${base.toFixed(0)} ms | ${baseRate.toFixed(0)} | ${(N / (base / 1000)).toFixed(0)} |`,
  );
  console.log(
    `| CentreLink from the SQLite outbox (+ status and clock on connect) | ${run.frames} | ${run.ms.toFixed(0)} ms | ${ourRate.toFixed(0)} | ${(N / (run.ms / 1000)).toFixed(0)} |`,
  );
  console.log(`ratio (frames/s, ours / baseline): ${(ourRate / baseRate).toFixed(2)}`);
  // Each alarm exactly once (2 frames) plus the status and clock on connect: anything more is a resend.
  const extra = run.frames - (2 * N + 2);
  console.log(extra === 0 ? 'every frame sent once' : `WRONG: ${extra} frames more than 2 per alarm + 2 (a row handed out twice?)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
