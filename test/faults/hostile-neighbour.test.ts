// A hostile neighbour (issue 21, items 4–6), against the real `run` process, the simulator and Mosquitto:
// a "monitoring centre" that sends nothing but `@`, a platform that sends thousands of commands, a
// visitor who opens hundreds of connections to the status page or guesses its token. The log stays small
// (what is held back is counted), the connections are capped with a clear refusal while polling and the
// gas valve go on, and memory comes back after a command burst. Figures are printed for the note.
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type DatabaseType from 'better-sqlite3';
import { connect as mqttConnect } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEEP } from '../../gateway/control/answered.js';
import { COMMANDS, encodeFrame, timeLabelOf } from '../../gateway/centre/gbt26875/frame.js';
import { encodeUnit } from '../../gateway/centre/gbt26875/units.js';
import { SimCentre } from '../../simulator/centre/centre.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { freePort } from '../helpers/net.js';
import { stopAll } from '../helpers/proc.js';
import { Venue } from './venue.js';
import { sleep, waitFor } from '../helpers/wait.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof DatabaseType;
const tmp = mkdtempSync(join(tmpdir(), 'jx-hostile-'));
let broker: Broker;
const venues: Venue[] = [];
const closers: (() => void)[] = [];
const figures: string[] = [];

beforeAll(async () => {
  broker = await startBroker();
});

afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const v of venues.splice(0)) await v.close();
});

afterAll(async () => {
  await stopAll();
  await broker.stop();
  removeBrokerDir(broker);
  rmSync(tmp, { recursive: true, force: true });
  console.log(`hostile neighbour figures:\n  ${figures.join('\n  ')}`);
});

async function venue(name: string, o: Partial<ConstructorParameters<typeof Venue>[0]> = {}): Promise<Venue> {
  const v = new Venue({ dir: join(tmp, name), brokerUrl: broker.url, ...o });
  venues.push(v);
  await v.start();
  return v;
}

const rssMB = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
/** The most lines of one kind in `seconds`: the burst, then six a minute (gateway/log/throttle.ts). */
const allowed = (seconds: number) => 10 + Math.ceil((seconds / 60) * 6) + 1;

describe('a hostile neighbour', () => {
  it('a centre sending only `@` for 10 s: a few log lines, the rest counted', async () => {
    const FLOOD_MS = 10_000;
    let sent = 0;
    const end = performance.now() + FLOOD_MS + 3000;
    const chunk = Buffer.alloc(64 * 1024, '@');
    const hostile: Server = createServer((sock) => {
      sock.on('error', () => undefined);
      const write = (): void => {
        while (performance.now() < end) {
          sent += chunk.length;
          if (!sock.write(chunk)) {
            sock.once('drain', write);
            return;
          }
        }
        sock.end();
      };
      write();
    });
    const centrePort = await freePort();
    await new Promise<void>((r) => hostile.listen(centrePort, '127.0.0.1', r));
    closers.push(() => hostile.close());
    const v = await venue('at-flood', { centrePort });
    const gw = await v.run();
    await waitFor(() => gw.lines.some((l) => l.msg === 'connected to the monitoring centre'), 10_000, 'the centre connected', 100);
    const from = gw.raw.length;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMB(gw.proc.pid as number))), 200);
    await sleep(FLOOD_MS);
    clearInterval(sampler);
    const during = gw.raw.slice(from);
    const dropped = during.filter((l) => l.includes('bytes from the centre dropped'));
    const bytes = during.reduce((n, l) => n + l.length + 1, 0);
    figures.push(
      `'@' flood: ${(sent / 1024 / 1024).toFixed(0)} MB sent by the centre in ${FLOOD_MS / 1000} s; ${dropped.length} "dropped" lines, ${bytes} bytes of log; peak RSS ${peak.toFixed(1)} MB`,
    );
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.length).toBeLessThanOrEqual(allowed(FLOOD_MS / 1000));
    expect(bytes).toBeLessThan(64 * 1024);
    // Nothing held back is lost from view: a later line, or the stop, says how much.
    await gw.term();
    const counted = gw.lines.filter((l) => String(l.msg).includes('bytes from the centre dropped') && typeof l.suppressed === 'number');
    expect(counted.reduce((n, l) => n + (l.suppressed as number), 0)).toBeGreaterThan(100);
  }, 60_000);

  it('a centre flooding inspections and never reading, then a sane one: memory stays near its quiet figure, the fire alarm arrives within 10 s of the return', async () => {
    const FLOOD_MS = 10_000;
    const inspection = encodeFrame({
      serial: 7,
      version: { main: 1, user: 0 },
      time: timeLabelOf(new Date(), 'Asia/Shanghai'),
      source: 1,
      destination: 12345,
      command: COMMANDS.control,
      data: encodeUnit({ type: 91, objects: [{ type: 91, timeoutMinutes: 5 }] }),
    });
    const burst = Buffer.concat(Array(1000).fill(inspection));
    let sent = 0;
    let flooding = false;
    const sockets = new Set<Socket>();
    const hostile: Server = createServer((sock) => {
      sockets.add(sock);
      sock.pause(); // never reads what the box sends
      sock.on('error', () => undefined);
      const write = (): void => {
        while (flooding && !sock.destroyed) {
          sent += 1000;
          if (!sock.write(burst)) return void sock.once('drain', write);
        }
      };
      const start = setInterval(() => {
        if (!flooding) return;
        clearInterval(start);
        write();
      }, 50);
      sock.on('close', () => clearInterval(start));
    });
    const centrePort = await freePort();
    await new Promise<void>((r) => hostile.listen(centrePort, '127.0.0.1', r));
    closers.push(() => hostile.close());
    const v = await venue('inspection-flood', { centrePort, centre: { inspection: 'auto' } });
    const gw = await v.run();
    const pid = gw.proc.pid as number;
    await waitFor(() => gw.lines.some((l) => l.msg === 'connected to the monitoring centre'), 10_000, 'the centre connected', 100);
    // The quiet figure: the highest RSS over 5 s of an ordinary connection (a fresh process still grows).
    let quiet = 0;
    for (let i = 0; i < 25; i++) {
      quiet = Math.max(quiet, rssMB(pid));
      await sleep(200);
    }
    flooding = true;
    let peak = quiet;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMB(pid))), 200);
    await sleep(FLOOD_MS / 2);
    v.leak(40); // the gas leak starts during the attack
    await waitFor(() => v.demanded(), 5000, 'the valve closed, fan and buzzer on', 100);
    await sleep(FLOOD_MS / 2);
    flooding = false;
    clearInterval(sampler);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => hostile.close(() => r()));
    const sane = new SimCentre({ address: 1, port: centrePort });
    await sane.listen();
    closers.push(() => void sane.close());
    const back = performance.now();
    const fire = (u: { unit: { type: number; objects: unknown[] } }) => u.unit.type === 2 && ((u.unit.objects[0] as { status: number }).status & 0b10) !== 0;
    await waitFor(() => sane.units().some(fire), 10_000, 'the fire alarm at the sane centre', 100);
    const ms = performance.now() - back;
    figures.push(
      `inspection flood: ${sent} requests in ${FLOOD_MS / 1000} s at a centre that never reads; RSS quiet ${quiet.toFixed(1)} MB, peak ${peak.toFixed(1)} MB (×${(peak / quiet).toFixed(2)}); fire alarm at the sane centre ${Math.round(ms)} ms after its return`,
    );
    expect(sent).toBeGreaterThan(10_000);
    // The target is 1.2 × (bench/README has the figures); the bound leaves room for a loaded CI machine and
    // still fails the old behaviour (121 → 226 MB, and growing).
    expect(peak).toBeLessThanOrEqual(quiet * 1.3);
  }, 60_000);

  it('two bursts of commands: all answered, a few log lines, answers kept per kind on the file; RSS measured before, after and idle', async () => {
    const N = Number(process.env.JX_COMMAND_BURST ?? 10_000);
    const v = await venue('commands');
    const gw = await v.run();
    const pid = gw.proc.pid as number;
    const results = await listen(broker.url, 'jx/v1/GW-FAULT-0001/cmd/result');
    closers.push(() => void results.close());
    const client = mqttConnect(broker.url, { clientId: 'hostile-platform' });
    closers.push(() => client.end(true));
    await new Promise<void>((r) => client.once('connect', () => r()));
    const send = (id: string, name: string) =>
      client.publish('jx/v1/GW-FAULT-0001/cmd', JSON.stringify({ id, name, args: name === 'ack-alarm' ? { alarmId: `no-such-${id}` } : {} }), { qos: 1 });
    const answeredWith = (prefix: string) => results.got.filter((m) => String(m.json?.id).startsWith(prefix)).length;
    // Subscribed once a ping is answered (asked again until then: the broker keeps nothing for a gateway
    // not yet subscribed); the page is not used here, so a port taken by a parallel test cannot matter.
    let pings = 0;
    await waitFor(() => answeredWith('ping-') > 0 || (send(`ping-${pings++}`, 'ping'), false), 20_000, 'a ping answered', 100);
    // Warm: what the first command loads (the message schemas) is loaded before "before".
    for (let i = 0; i < 20; i++) send(`warm-${i}`, 'get-status');
    await waitFor(() => answeredWith('warm-') >= 20, 20_000, 'the warm-up answered', 100);
    const warm = results.got.length;
    await sleep(2000);
    const before = rssMB(pid);
    const kinds = ['get-status', 'get-status', 'get-status', 'ack-alarm'];
    /** One burst of N commands, ids from `base`; resolves with its seconds and the lines it logged. */
    const burst = async (base: number) => {
      const from = gw.raw.length;
      const answered = results.got.length;
      const t0 = performance.now();
      for (let i = 0; i < N; i++) send(`burst-${base + i}`, kinds[i % kinds.length] as string);
      await waitFor(() => results.got.length >= answered + N, 240_000, `${N} commands answered`, 100);
      return { s: (performance.now() - t0) / 1000, logged: gw.raw.slice(from).filter((l) => l.includes('command answered')).length };
    };
    const first = await burst(0);
    const after = rssMB(pid);
    await sleep(10_000);
    const idle = rssMB(pid);
    // The same again: memory that is bounded has reached its high-water mark in the first burst; answers
    // kept in memory would add theirs again (three quarters are get-status, about 3 KB each).
    const second = await burst(N);
    await sleep(10_000);
    const idle2 = rssMB(pid);
    figures.push(
      `${N} commands in ${first.s.toFixed(1)} s (${Math.round(N / first.s)}/s); RSS before ${before.toFixed(1)} MB, after ${after.toFixed(1)} MB, 10 s idle ${idle.toFixed(1)} MB; ` +
        `${N} more in ${second.s.toFixed(1)} s, then 10 s idle ${idle2.toFixed(1)} MB; ${first.logged} and ${second.logged} "command answered" lines`,
    );
    expect(new Set(results.got.map((m) => m.json?.id)).size).toBe(2 * N + warm);
    expect(first.logged).toBeLessThanOrEqual(allowed(first.s));
    // What is remembered is bounded per kind (the answers are on the file, none in memory) …
    const db = new Database(join(v.o.dir, 'data', 'outbox.db'), { readonly: true });
    const kept = Object.fromEntries(db.prepare('SELECT kind, count(*) AS n FROM commands GROUP BY kind').raw().all() as [string, number][]);
    db.close();
    expect(kept).toEqual({ 'get-status': KEEP['get-status'], 'ack-alarm': (2 * N) / 4, ping: answeredWith('ping-') });
    // … and so is what the process holds. Heap snapshots of the recorder thread after each burst show the
    // same live objects (about 21 MB; issue 21's note): the RSS growth is V8's and malloc's high-water
    // mark, which wanders with timing, so only a gross leak is asserted here; the figures are printed.
    expect(idle2 - before).toBeLessThan(120);
  }, 300_000);

  it('hundreds of connections to the status page: refused past the cap with a 503, polling and the valve unaffected; wrong tokens logged a few times', async () => {
    const TOKEN = 'correct-horse-battery';
    const v = await venue('connections', { statusToken: TOKEN });
    const gw = await v.run();
    const pid = gw.proc.pid as number;
    const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };
    await waitFor(async () => (await fetch(`http://127.0.0.1:${v.statusPort}/status.json`, auth)).ok, 10_000, 'the page', 100);
    const fdsBefore = fds(pid);
    const CONNECTIONS = 600;
    const socks: Socket[] = [];
    const refusals: string[] = [];
    closers.push(() => socks.forEach((s) => s.destroy()));
    for (let i = 0; i < CONNECTIONS; i++) {
      const s = connect(v.statusPort, '127.0.0.1');
      s.on('error', () => undefined);
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('\r\n\r\n')) refusals.push(got.split('\r\n')[0] as string);
      });
      socks.push(s);
    }
    await waitFor(() => refusals.length >= CONNECTIONS - 32, 15_000, 'the connections past the cap refused', 100);
    // Refused connections are closed by the gateway within 2 s (their clients keep theirs open).
    await waitFor(() => fds(pid) - fdsBefore <= 32 + 8, 5000, 'refused connections closed', 100);
    const fdsAtCap = fds(pid);
    figures.push(`${CONNECTIONS} connections to the status page: ${refusals.length} refused (503), gateway fds ${fdsBefore} → ${fdsAtCap}`);
    expect(new Set(refusals)).toEqual(new Set(['HTTP/1.1 503 Service Unavailable']));
    expect(fdsAtCap - fdsBefore).toBeLessThanOrEqual(32 + 8);
    // At the cap: polling goes on, and a leak closes the valve as ever.
    const polls = v.gas.requests;
    await sleep(2000);
    expect(v.gas.requests - polls).toBeGreaterThanOrEqual(4); // polled every 250 ms
    v.leak(40);
    const ms = await waitFor(() => v.demanded(), 15_000, 'valve closed, fan and buzzer on, at the cap', 100);
    figures.push(`gas leak with the status page at its cap: valve closed, fan and buzzer on ${ms} ms after the leak began`);
    const refusedLines = gw.raw.filter((l) => l.includes('connection refused, too many open')).length;
    expect(refusedLines).toBeLessThanOrEqual(allowed(20));
    // Connections closed: the page answers again.
    for (const s of socks) s.destroy();
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${v.statusPort}/status.json`, auth).catch(() => undefined))?.status === 200,
      5000,
      'the page again',
      100,
    );

    // Guessing the token: every guess refused, a few lines logged.
    for (let i = 0; i < 500; i++) {
      const r = await fetch(`http://127.0.0.1:${v.statusPort}/status.json`, { headers: { Authorization: `Bearer guess-${i}` } });
      expect(r.status).toBe(401);
      await r.arrayBuffer();
    }
    expect(gw.raw.filter((l) => l.includes('wrong token refused')).length).toBeLessThanOrEqual(allowed(30));
  }, 90_000);
});
