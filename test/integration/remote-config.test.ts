// A config sent from the platform to a real `run` process (simulated venue, real Mosquitto): checked with
// check-config's rules, refused with its diagnostics as codes, refused when it would weaken the gas
// protection; otherwise switched to on probation, kept when acting, rolled back by itself when not. A
// gas alarm stands through all of it, and the relay's coils (read by mbpoll) never leave its demand.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Venue } from '../faults/venue.js';
import { listen } from '../helpers/mqtt-listener.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { runCommand } from '../helpers/proc.js';
import { sleep, waitFor } from '../helpers/wait.js';

const GW = 'GW-FAULT-0001';
let broker: Broker;
let dir: string;
let v: Venue;
let platform: Awaited<ReturnType<typeof listen>>;
let siteConfig: Record<string, unknown>;
/** Coil samples taken all along: every one must show the gas alarm's demand once it stands. */
const samples: { at: number; ok: boolean }[] = [];
let sampling = true;
let sampler: Promise<void> | undefined;

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const on = (topic: string) => platform.got.filter((m) => m.topic === `jx/v1/${GW}/${topic}`);
const result = (id: string) =>
  on('cmd/result').find((m) => m.json?.id === id)?.json as { ok: boolean; reason: string | null; result?: Record<string, unknown> } | undefined;
const configEvents = () =>
  on('event')
    .filter((m) => m.json?.type === 'config')
    .map((m) => m.json?.body as { state: string; version: string; reason: string });

async function offer(id: string, config: Record<string, unknown> | string, opts: { version?: string; probationS?: number; sha256?: string } = {}) {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 1);
  const args = { version: opts.version ?? id, sha256: opts.sha256 ?? sha(text), config: text, ...(opts.probationS ? { probationS: opts.probationS } : {}) };
  platform.client.publish(`jx/v1/${GW}/cmd`, JSON.stringify({ id, name: 'apply-config', args }), { qos: 1 });
  await waitFor(() => result(id) !== undefined, 15_000, `the answer to ${id}`);
  return result(id) as NonNullable<ReturnType<typeof result>>;
}

/** The venue's config with a change. */
function changed(f: (c: Record<string, any>) => void): Record<string, unknown> {
  const c = structuredClone(siteConfig) as Record<string, any>;
  f(c);
  return c;
}

beforeAll(async () => {
  broker = await startBroker();
  dir = mkdtempSync(join(tmpdir(), 'jx-remote-config-'));
  v = new Venue({ dir, brokerUrl: broker.url });
  await v.start();
  siteConfig = JSON.parse(readFileSync(v.configFile, 'utf8')) as Record<string, unknown>;
  platform = await listen(broker.url, `jx/v1/${GW}/#`);
  await v.run();
  await waitFor(async () => (await v.statusJson()).uplink.connected, 10_000, 'uplink up', 100);
  // A gas leak that stands through every switch below.
  v.leak(40);
  await waitFor(() => v.demanded(), 10_000, 'the gas alarm acted on', 100);
  sampler = (async () => {
    while (sampling) {
      samples.push({ at: Date.now(), ok: await v.demanded() });
      await sleep(100);
    }
  })();
}, 60_000);

afterAll(async () => {
  sampling = false;
  await sampler;
  await platform?.close();
  await v?.close();
  await broker?.stop();
  if (broker) removeBrokerDir(broker);
  rmSync(dir, { recursive: true, force: true });
});

/** The device ids the status page lists; none while it is down (a switch restarts it). */
async function devicesNow(): Promise<string[]> {
  try {
    return ((await (await fetch(`http://127.0.0.1:${v.statusPort}/status.json`)).json()) as { devices: { id: string }[] }).devices.map((d) => d.id);
  } catch {
    return [];
  }
}

async function command(id: string, name: string, args: Record<string, unknown> = {}) {
  platform.client.publish(`jx/v1/${GW}/cmd`, JSON.stringify({ id, name, args }), { qos: 1 });
  await waitFor(() => result(id) !== undefined, 15_000, `the answer to ${id}`);
  return result(id) as NonNullable<ReturnType<typeof result>>;
}

describe('remote config', () => {
  it('refuses a config that does not match its SHA-256, or fails check-config, with the diagnostics as codes', async () => {
    const bad = await offer(
      'cfg-sha',
      changed(() => undefined),
      { sha256: 'a'.repeat(64) },
    );
    expect(bad.ok).toBe(false);
    expect(bad.result?.diagnostics).toMatchObject([{ code: 'sha256Mismatch' }]);
    const invalid = await offer(
      'cfg-invalid',
      changed((c) => (c.devices[0].bus = 'nowhere')),
    );
    expect(invalid.ok).toBe(false);
    expect(invalid.reason).toMatch(/config refused: 1 error, first devices\[0\]\.bus: no bus "nowhere"; buses: sensors, relay-bus/);
    expect(invalid.result?.diagnostics).toMatchObject([{ path: 'devices[0].bus', code: 'noBus', params: { bus: 'nowhere', list: 'sensors, relay-bus' } }]);
    const yaml = await offer('cfg-yaml', 'gateway:\n\tid: x\n');
    expect(yaml.result?.diagnostics).toMatchObject([{ code: 'yaml.TAB_AS_INDENT' }]);
  });

  it('refuses, remotely, what would weaken the gas protection or change what the box is', async () => {
    const r = await offer(
      'cfg-weaker',
      changed((c) => {
        c.linkage[0].do = c.linkage[0].do.filter((s: { output: string }) => s.output !== 'gas-valve');
        c.devices[0].channels = { lel: { alarm: 40, warning: 20 } };
        c.gateway.id = 'GW-OTHER';
      }),
    );
    expect(r.ok).toBe(false);
    const codes = (r.result?.diagnostics as { code: string; params: Record<string, unknown> }[]).map((d) => d.code).sort();
    expect(codes).toEqual(['remoteGasAlarmAbove', 'remoteIdentity', 'remoteValveUnlinked']);
    expect(r.reason).toMatch(/config refused on site grounds/);
  });

  it('a good config is switched to on probation and kept once acting; the outputs never leave the alarm’s demand', async () => {
    const before = samples.length;
    const statusBefore = on('status').length;
    const r = await offer(
      'cfg-threshold',
      changed((c) => (c.devices[0].channels = { lel: { warning: 8, alarm: 20 } })),
      { version: '2026-12-07.1' },
    );
    expect(r, r.reason ?? '').toMatchObject({ ok: true, result: { state: 'probation', probationS: 60 } });
    await waitFor(() => configEvents().some((e) => e.state === 'kept' && e.version === '2026-12-07.1'), 30_000, 'kept');
    await waitFor(async () => (await v.statusJson()).uplink.connected, 10_000, 'uplink up again', 100);
    const during = samples.slice(before);
    expect(during.length).toBeGreaterThan(5);
    // An in-process switch is no offline moment for the platform: the retained status stays online.
    expect(
      on('status')
        .slice(statusBefore)
        .map((m) => m.payload),
    ).not.toContain('offline');
    expect(v.gateway?.raw.join('\n')).toMatch(/status left online \(starting again at once\)/);
    expect(during.filter((s) => !s.ok)).toEqual([]);
    // The history on the box says it, and the installer's file is untouched.
    const h = await runCommand('node', [join(import.meta.dirname, '../../dist/gateway/cli/main.js'), 'config', 'history', '--config', v.configFile]);
    expect(h.stdout).toMatch(/2026-12-07\.1 +platform +kept/);
    expect(JSON.parse(readFileSync(v.configFile, 'utf8'))).toEqual(siteConfig);
  }, 60_000);

  it('a config whose devices do not answer goes back by itself after its probation, and says why', async () => {
    const before = samples.length;
    const r = await offer(
      'cfg-ghost',
      changed((c) => {
        c.devices[0].channels = { lel: { warning: 8, alarm: 20 } };
        c.devices.push({ id: 'ghost-smoke', bus: 'sensors', slaveId: 42, profile: 'smoke', pollIntervalMs: 500 });
      }),
      { version: 'ghost', probationS: 10 },
    );
    expect(r, r.reason ?? '').toMatchObject({ ok: true, result: { state: 'probation', probationS: 10 } });
    await waitFor(() => configEvents().some((e) => e.state === 'rolled-back' && e.version === 'ghost'), 30_000, 'rolled back');
    expect(configEvents().find((e) => e.version === 'ghost' && e.state === 'rolled-back')?.reason).toMatch(
      /not acting within its probation: device ghost-smoke not answering/,
    );
    await waitFor(async () => (await v.statusJson()).uplink.connected, 10_000, 'uplink up again', 100);
    const st = (await (await fetch(`http://127.0.0.1:${v.statusPort}/status.json`)).json()) as { devices: { id: string }[] };
    expect(st.devices.map((d) => d.id)).not.toContain('ghost-smoke');
    expect(samples.slice(before).filter((s) => !s.ok)).toEqual([]);
  }, 60_000);

  it('remote diagnostics: the last log lines of both threads in order, and a bundle of versions, config, storage and counters', async () => {
    const logs = await command('logs-1', 'get-logs', { lines: 200 });
    const lines = (logs.result?.lines as string[]).map((l) => JSON.parse(l) as { msg: string; time: string; level: string });
    const msgs = lines.map((l) => l.msg);
    // The polling thread's lines and the recorder thread's, in the order they were written.
    expect(msgs).toEqual(expect.arrayContaining(['config kept: acting within its probation', 'config rolled back', 'uplink connected']));
    const times = lines.map((l) => Date.parse(l.time));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const warn = await command('logs-2', 'get-logs', { lines: 50, level: 'warn' });
    expect((warn.result?.lines as string[]).every((l) => /"level":"(warn|error|fatal)"/.test(l))).toBe(true);
    expect(warn.result?.lines).toEqual(expect.arrayContaining([expect.stringContaining('config rolled back')]));
    const d = await command('diag-1', 'get-diagnostics');
    expect(d.ok).toBe(true);
    expect(d.result).toMatchObject({
      versions: { node: process.version, arch: process.arch },
      config: { by: 'platform', state: 'kept', version: '2026-12-07.1' },
      storage: { outbox: 'ok', state: 'ok', runtime: { ok: true } },
      devices: expect.arrayContaining([expect.objectContaining({ id: 'kitchen-gas', online: true, polls: expect.any(Number) })]),
      closedValves: ['gas-valve'],
    });
    expect(JSON.stringify(d.result).length).toBeLessThan(96 * 1024);
  });

  it('a box that keeps crashing on a config still on probation goes back to the last kept one at its fourth start', async () => {
    const r = await offer(
      'cfg-crashy',
      changed((c) => {
        c.devices[0].channels = { lel: { warning: 8, alarm: 20 } };
        c.devices.push({ id: 'ghost-heat', bus: 'sensors', slaveId: 43, profile: 'smoke', pollIntervalMs: 500 });
      }),
      { version: 'crashy', probationS: 600 },
    );
    expect(r).toMatchObject({ ok: true, result: { state: 'probation' } });
    await waitFor(async () => (await devicesNow()).includes('ghost-heat'), 15_000, 'running the new config', 100);
    for (let start = 2; start <= 4; start++) {
      await v.gateway!.kill9();
      const gw = await v.run();
      if (start < 4) expect(gw.raw.join('\n')).toMatch(/running the config from the platform/);
    }
    await waitFor(() => v.gateway!.raw.some((l) => l.includes('config rolled back at start')), 10_000, 'rolled back at start');
    await waitFor(() => configEvents().some((e) => e.state === 'rolled-back' && e.version === 'crashy'), 20_000, 'the rolled-back event');
    expect(configEvents().find((e) => e.version === 'crashy' && e.state === 'rolled-back')?.reason).toBe('the box restarted 3 times on it');
    await waitFor(async () => (await devicesNow()).includes('kitchen-gas'), 10_000, 'the status page back', 100);
    expect(await devicesNow()).not.toContain('ghost-heat');
    await waitFor(() => v.demanded(), 5000, 'the gas alarm acted on again', 100);
  }, 90_000);
});
