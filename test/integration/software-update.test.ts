// Software updates on a real box: `jiuxiao-gateway run` installed from a release bundle (install root with
// `current`), restarted by a supervisor as systemd would (boot guard, then run, again after any exit),
// updated from the reference platform's releases folder over HTTP. A good release is kept once healthy; a
// release that crashes at start is rolled back by the boot guard (one that starts but never gets healthy
// goes back by itself: software-rollout.test.ts, on ten boxes); a release signed by another key, for another architecture, older, or whose chunk arrives corrupted is
// refused with nothing changed; kill -9 at every step of an update leaves a version that starts, and the
// alarm/event seq at the platform is gap-free across all of it; no update starts, and no switch happens,
// while a gas alarm stands — and the valve stays closed and the fan on.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleServer } from '../../simulator/platform/console.js';
import { Platform } from '../../simulator/platform/platform.js';
import { Venue } from '../faults/venue.js';
import { listen } from '../helpers/mqtt-listener.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { installRoot, makeRelease, releaseKey, serveBundle, type TestRelease } from '../helpers/release.js';
import { Supervisor } from '../helpers/supervisor.js';
import { runCommand } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const GW = 'GW-FAULT-0001';
let broker: Broker;
let dir: string;
let releases: string;
let v: Venue;
let listener: Awaited<ReturnType<typeof listen>>;
let platform: Platform;
let consoleServer: ConsoleServer;
let sup: Supervisor;
const key = releaseKey();
const other = releaseKey();
const made = new Map<string, TestRelease>();
const figures: string[] = [];

const on = (topic: string) => listener.got.filter((m) => m.topic === `jx/v1/${GW}/${topic}`);
const result = (id: string) =>
  on('cmd/result').find((m) => m.json?.id === id)?.json as { ok: boolean; reason: string | null; result?: Record<string, unknown> } | undefined;
const updateEvents = () =>
  on('event')
    .filter((m) => m.json?.type === 'update')
    .map((m) => m.json?.body as { state: string; version: string; from: string; reason: string });

function release(version: string, o: Partial<Parameters<typeof makeRelease>[0]> = {}): TestRelease {
  const r = made.get(version) ?? makeRelease({ out: releases, version, trusts: key, chunkSize: 64 * 1024, ...o });
  made.set(version, r);
  return r;
}

async function offer(id: string, r: TestRelease, o: { url?: string; healthS?: number; signature?: string; manifest?: string } = {}) {
  const args = {
    manifest: o.manifest ?? r.signed.manifest,
    signature: o.signature ?? r.signed.signature,
    url: o.url ?? `${consoleServer.url}releases/${r.name}.tar.gz`,
    healthS: o.healthS ?? 30,
  };
  listener.client.publish(`jx/v1/${GW}/cmd`, JSON.stringify({ id, name: 'update', args }), { qos: 1 });
  await waitFor(() => result(id) !== undefined, 20_000, `the answer to ${id}`);
  return result(id) as NonNullable<ReturnType<typeof result>>;
}

/** Running, READY and polling on this version: its log says so and the status page answers. */
async function runningOn(version: string, ms = 30_000): Promise<void> {
  await waitFor(
    async () => {
      if (sup.current() !== version || !sup.last?.lines.some((l) => l.includes('gateway running'))) return false;
      try {
        return (await v.statusJson()).uplink.connected;
      } catch {
        return false;
      }
    },
    ms,
    `running on ${version}\n${sup.text().slice(-4000)}`,
    100,
  );
}

/** Alarm and event seq at the platform: 1, 2, 3… without a hole, each once. */
function seqGapFree(): { n: number; missing: number[] } {
  const seqs = [
    ...new Set(
      on('alarm')
        .concat(on('event'))
        .map((m) => m.json?.seq as number),
    ),
  ].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let s = 1; s <= (seqs.at(-1) ?? 0); s++) if (!seqs.includes(s)) missing.push(s);
  return { n: seqs.length, missing };
}

beforeAll(async () => {
  broker = await startBroker({ persistence: true });
  dir = mkdtempSync(join(tmpdir(), 'jx-update-'));
  releases = join(dir, 'releases');
  mkdirSync(releases);
  v = new Venue({ dir, brokerUrl: broker.url });
  await v.start();
  listener = await listen(broker.url, `jx/v1/${GW}/#`);
  platform = new Platform({ url: broker.url, dataDir: join(dir, 'platform'), tickMs: 1000 });
  await platform.start();
  consoleServer = new ConsoleServer(platform, { host: '127.0.0.1', port: 0, releases });
  await consoleServer.start();
  installRoot(join(dir, 'opt'), release('0.1.0'));
  sup = new Supervisor(join(dir, 'opt'), v.configFile, (n) => faults.get(n) ?? {});
  sup.start();
  await runningOn('0.1.0');
}, 60_000);

afterAll(async () => {
  console.log(`software update figures:\n  ${figures.join('\n  ')}`);
  await sup?.stop();
  await consoleServer?.stop();
  await platform?.stop();
  await listener?.close();
  await v?.close();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

/** Faults for the n-th start of the supervisor (0-based), set by a test before it acts. */
const faults = new Map<number, Record<string, string>>();

describe('software update', () => {
  it('refuses a release signed by another key, changed after signing, for another architecture, older, or changing storage: nothing changes', async () => {
    const r = release('0.2.0');
    const foreign = makeRelease({ out: releases, version: '0.2.1', trusts: key, signedBy: other, chunkSize: 64 * 1024 });
    expect(await offer('u-foreign', foreign)).toMatchObject({ ok: false, result: { code: 'badSignature' } });
    const tampered = r.signed.manifest.replace('"allowDowngrade":false', '"allowDowngrade":true');
    expect(await offer('u-tampered', r, { manifest: tampered })).toMatchObject({ ok: false, result: { code: 'badSignature' } });
    const arm = makeRelease({ out: releases, version: '0.2.2', trusts: key, arch: process.arch === 'arm64' ? 'x64' : 'arm64', chunkSize: 64 * 1024 });
    const armAnswer = await offer('u-arch', arm);
    expect(armAnswer).toMatchObject({ ok: false, result: { code: 'otherArch' } });
    expect(armAnswer.reason).toMatch(new RegExp(`this gateway runs on ${process.arch}`));
    const older = makeRelease({ out: releases, version: '0.0.9', trusts: key, chunkSize: 64 * 1024 });
    expect(await offer('u-older', older)).toMatchObject({ ok: false, result: { code: 'downgrade' } });
    const storage = makeRelease({ out: releases, version: '0.2.3', trusts: key, chunkSize: 64 * 1024, storage: { outbox: 2, state: 1 } });
    const s = await offer('u-storage', storage);
    expect(s).toMatchObject({ ok: false, result: { code: 'storageFormat' } });
    expect(s.reason).toMatch(/changes the outbox format \(1 → 2\).*install it on site/);
    expect(sup.current()).toBe('0.1.0');
    expect(existsSync(join(dir, 'opt', '.update', 'job.json'))).toBe(false);
  }, 60_000);

  it('a chunk that keeps arriving corrupted fails the update with its number; nothing is unpacked, nothing switched', async () => {
    const r = release('0.2.0');
    // A mirror that flips one byte in every answer that covers byte 100 000 (the second chunk).
    const bad = await serveBundle(r.file, { corruptAt: 100_000 });
    try {
      expect((await offer('u-corrupt', r, { url: bad.url })).ok).toBe(true);
      await waitFor(() => updateEvents().some((e) => e.state === 'failed'), 60_000, 'update failed');
      expect(updateEvents().at(-1)?.reason).toMatch(/chunk 2 of \d+ does not match its SHA-256 \(3 attempts\)/);
      expect(sup.current()).toBe('0.1.0');
      expect(existsSync(join(dir, 'opt', '0.2.0'))).toBe(false);
    } finally {
      await bad.close();
    }
  }, 90_000);

  it('a good release over a link that drops mid-chunk: downloaded, switched, healthy, kept; the old version stays beside it', async () => {
    const r = release('0.2.0');
    const flaky = await serveBundle(r.file, { dropEvery: 3 });
    const served0 = consoleServer.served.bytes;
    try {
      const t0 = Date.now();
      const a = await offer('u-good', r, { url: flaky.url });
      expect(a, a.reason ?? '').toMatchObject({ ok: true, result: { state: 'downloading', version: '0.2.0' } });
      await waitFor(() => updateEvents().some((e) => e.state === 'kept' && e.version === '0.2.0'), 60_000, `kept\n${sup.text().slice(-3000)}`);
      figures.push(
        `good release ${(r.manifest.size / 1024).toFixed(0)} KiB, ${r.manifest.chunks.length} chunks, link dropped every 3rd request: kept ${((Date.now() - t0) / 1000).toFixed(1)} s after the offer; ${flaky.bytes} bytes sent for it (${(flaky.bytes / r.manifest.size).toFixed(2)} × the bundle)`,
      );
      expect(served0).toBe(consoleServer.served.bytes); // it came through the mirror
      await runningOn('0.2.0');
      expect(existsSync(join(dir, 'opt', '0.1.0', 'VERSION'))).toBe(true);
      expect(existsSync(join(dir, 'opt', 'trial'))).toBe(false);
      expect(seqGapFree().missing).toEqual([]);
    } finally {
      await flaky.close();
    }
  }, 120_000);

  it('a release that crashes at start is rolled back by the boot guard at its 4th start; the old version says why', async () => {
    const r = release('0.3.0', { crashAtStart: true });
    const t0 = Date.now();
    const a = await offer('u-crash', r);
    expect(a.ok, a.reason ?? '').toBe(true);
    await waitFor(() => updateEvents().some((e) => e.state === 'rolled-back' && e.version === '0.3.0'), 90_000, `rolled back\n${sup.text().slice(-3000)}`);
    const e = updateEvents().find((x) => x.version === '0.3.0') as { reason: string; from: string };
    expect(e).toMatchObject({ from: '0.2.0', reason: 'not healthy after 3 starts' });
    await runningOn('0.2.0');
    const onNew = sup.starts.filter((s) => s.version === '0.3.0');
    expect(onNew.length).toBe(3);
    expect(onNew.every((s) => s.exit?.code === 70)).toBe(true);
    figures.push(
      `release crashing at start: back on the old version and reported ${((Date.now() - t0) / 1000).toFixed(1)} s after the offer (3 crashed starts, restart every 0.3 s)`,
    );
    expect(seqGapFree().missing).toEqual([]);
  }, 120_000);

  it('kill -9 at every step of an update: the box always starts again, on one of the two versions, and carries on to kept', async () => {
    const steps = ['downloading', 'unpacked', 'trial', 'switched', 'healthy'] as const;
    let from = '0.2.0';
    for (const [i, step] of steps.entries()) {
      const r = release(`0.${5 + i}.0`);
      // A gas warning and its end on each round: events to count across the power cuts.
      v.leak(15);
      await waitFor(() => seqGapFree().n > 0 && on('event').length + on('alarm').length > 0, 5000, 'events');
      if (step === 'healthy') {
        // The new version's own process dies after it wrote `kept` and before it cleared its trial.
        faults.set(sup.starts.length, { JX_FAULT_KILL_AT: step });
      } else {
        faults.set(sup.starts.length, { JX_FAULT_KILL_AT: step });
        const n = sup.starts.length;
        sup.restart();
        await waitFor(() => sup.starts.length > n, 20_000, 'restarted with the fault');
        await runningOn(from);
      }
      const starts = sup.starts.length;
      const a = await offer(`u-cut-${step}`, r);
      expect(a.ok, a.reason ?? '').toBe(true);
      v.leak(0);
      await waitFor(
        () => updateEvents().some((e) => e.state === 'kept' && e.version === r.version),
        60_000,
        `kept after a cut at ${step}\n${sup.text().slice(-4000)}`,
      );
      await runningOn(r.version);
      const after = sup.starts.slice(starts - 1);
      // The cut happened: a start ended by SIGKILL; every start ran one of the two versions.
      expect(
        after.some((s) => s.exit?.signal === 'SIGKILL'),
        step,
      ).toBe(true);
      expect(after.every((s) => s.version === from || s.version === r.version)).toBe(true);
      if (step === 'downloading') expect(sup.text()).toMatch(/"resumedChunks":[1-9]/);
      expect(existsSync(join(dir, 'opt', 'trial'))).toBe(false);
      figures.push(`kill -9 at ${step}: kept ${r.version} after ${after.length} starts`);
      from = r.version;
    }
    await waitFor(() => seqGapFree().missing.length === 0, 10_000, `seq gap-free: ${JSON.stringify(seqGapFree())}`);
    figures.push(`alarm/event seq at the platform across every update and power cut: ${seqGapFree().n} messages, none missing`);
  }, 240_000);

  it('no update starts while a gas alarm stands; one under way waits to switch until it is cleared; the valve stays closed and the fan on', async () => {
    v.leak(40);
    await waitFor(() => v.demanded(), 10_000, 'the gas alarm acted on', 100);
    const r = release('0.11.0');
    const refused = await offer('u-during-alarm', r);
    expect(refused).toMatchObject({ ok: false, result: { code: 'alarmStanding' } });
    expect(refused.reason).toMatch(/an alarm stands \(kitchen-gas\/lel\): no update starts now/);
    // Cleared on site; then an update is offered, and the gas comes back while it downloads (slowly).
    v.leak(0);
    const cli = join(dir, 'opt', 'current', 'bin', 'jiuxiao-gateway');
    const reset = async () => {
      for (let i = 0; i < 20; i++) {
        const r = await runCommand(cli, ['reset', '--config', v.configFile]);
        const open = await v.statusJson().then(
          (s) => s.openAlarms.length,
          () => -1,
        );
        if (open === 0) return;
        if (i === 19) throw new Error(`not reset: ${r.stdout} ${r.stderr}\n${sup.text().slice(-3000)}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    };
    await reset();
    const slow = await serveBundle(r.file, { delayMs: 400 });
    try {
      const a = await offer('u-then-alarm', r, { url: slow.url });
      expect(a.ok, a.reason ?? '').toBe(true);
      // One change at a time: a config offered while the update runs waits for it.
      const text = readFileSync(v.configFile, 'utf8');
      const args = { version: 'during-update', sha256: createHash('sha256').update(text).digest('hex'), config: text };
      listener.client.publish(`jx/v1/${GW}/cmd`, JSON.stringify({ id: 'cfg-during-update', name: 'apply-config', args }), { qos: 1 });
      await waitFor(() => result('cfg-during-update') !== undefined, 15_000, 'the answer to the config');
      expect(result('cfg-during-update')).toMatchObject({ ok: false, reason: 'a software update is under way: offer the config when it is over' });
      v.leak(40);
      await waitFor(() => sup.text().includes('the switch waits until the alarm is cleared'), 30_000, 'the switch waits');
      const before = sup.current();
      const samples: boolean[] = [];
      for (let i = 0; i < 12; i++) {
        samples.push(await v.demanded());
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(samples.every(Boolean)).toBe(true);
      expect(sup.current()).toBe(before);
      v.leak(0);
      await reset();
      await waitFor(() => updateEvents().some((e) => e.state === 'kept' && e.version === '0.11.0'), 60_000, `kept after the alarm\n${sup.text().slice(-3000)}`);
    } finally {
      await slow.close();
    }
  }, 150_000);
});
