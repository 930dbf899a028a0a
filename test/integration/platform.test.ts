// The reference county platform against a real Mosquitto: two replicas on one shared subscription split
// the traffic and handle each message exactly once; duplicates, seq holes and contract violations are
// seen and shown, never crash it; and with the real gateway process on the simulator, a gas leak becomes
// a case at the venue's township (escalated at once: the venue is red), acknowledged from the platform,
// confirmed by the gateway, then closed with the result fed back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { Platform, type PlatformChange } from '../../simulator/platform/platform.js';
import { removeBrokerDir, startBroker, type Broker } from '../helpers/mosquitto.js';
import { Venue } from '../faults/venue.js';
import { listen } from '../helpers/mqtt-listener.js';
import { freePort } from '../helpers/net.js';
import { runCommand, startProcess, stopProcess } from '../helpers/proc.js';
import { sleep, waitFor } from '../helpers/wait.js';

const SIM = join(import.meta.dirname, '..', '..', 'dist/simulator/cli/main.js');

const tmp = mkdtempSync(join(tmpdir(), 'jx-platform-'));
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

async function broker(): Promise<Broker> {
  const b = await startBroker();
  cleanup.push(async () => {
    await b.stop();
    removeBrokerDir(b);
  });
  return b;
}

async function platform(
  url: string,
  dataDir: string,
  extra: Partial<ConstructorParameters<typeof Platform>[0]> = {},
): Promise<{ p: Platform; changes: PlatformChange[] }> {
  const p = new Platform({ url, dataDir, tickMs: 200, holeGraceS: 1, ...extra });
  const changes: PlatformChange[] = [];
  p.on('change', (c) => changes.push(c));
  await p.start();
  cleanup.push(() => p.stop());
  return { p, changes };
}

const venue = { id: 'V-P-1', adminCode: '500242104000', category: 'catering', risk: 'orange' } as const;
function alarmMsg(gw: string, seq: number, alarmId: string, over: Record<string, unknown> = {}) {
  return {
    v: 1,
    id: `${gw}-m${seq}`,
    gw,
    seq,
    at: new Date().toISOString(),
    clock: 'synced',
    boot: 'boot-1',
    type: 'channel',
    alarmId,
    device: 'gas',
    channel: 'lel',
    kind: 'gas',
    state: 'alarm',
    previousState: 'normal',
    reason: 'threshold',
    detail: '30 ≥ alarm 25',
    value: 30,
    threshold: 25,
    unit: '%LEL',
    latched: true,
    test: false,
    reannounce: false,
    venue,
    ...over,
  };
}

describe('reference platform', () => {
  it('two replicas on one shared subscription: each message handled once; duplicates, holes and violations shown', async () => {
    const b = await broker();
    const dataDir = join(tmp, 'shared');
    const a = await platform(b.url, dataDir, { clientId: 'replica-a' });
    const c = await platform(b.url, dataDir, { clientId: 'replica-b' });
    const gwClient = await mqtt.connectAsync(b.url, { clientId: 'fake-gw', protocolVersion: 5 });
    cleanup.push(() => gwClient.endAsync());
    const N = 200;
    for (let i = 1; i <= N; i++) {
      const gw = `GW-P-${String(i % 20).padStart(4, '0')}`;
      await gwClient.publishAsync(`jx/v1/${gw}/alarm`, JSON.stringify(alarmMsg(gw, Math.ceil(i / 20), `A-${i}`)), { qos: 1 });
    }
    await waitFor(() => a.p.counts.received + c.p.counts.received >= N, 10_000, 'all alarms handled', 100);
    await sleep(300);
    const byA = a.p.counts.byTopic.alarm ?? 0;
    const byB = c.p.counts.byTopic.alarm ?? 0;
    console.log(`shared subscription: replica a ${byA}, replica b ${byB} of ${N}`);
    expect(byA + byB).toBe(N);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(a.p.store.openCases()).toHaveLength(N); // one case per alarm, in the shared file
    expect(new Set(a.p.store.openCases().map((x) => x.no)).size).toBe(N);

    // A resend (same id) is a duplicate; a later message of the same alarm updates its case, whichever replica gets it.
    await gwClient.publishAsync('jx/v1/GW-P-0001/alarm', JSON.stringify(alarmMsg('GW-P-0001', 1, 'A-1')), { qos: 1 });
    await gwClient.publishAsync(
      'jx/v1/GW-P-0001/alarm',
      JSON.stringify(alarmMsg('GW-P-0001', 12, 'A-1', { id: 'GW-P-0001-m12', state: 'normal', previousState: 'alarm', reason: 'cleared', detail: '3 < 10' })),
      { qos: 1 },
    );
    await waitFor(() => a.p.counts.duplicates + c.p.counts.duplicates === 1, 5000, 'duplicate counted', 100);
    await waitFor(() => a.p.store.getCase('A-1')?.alarmState === 'normal', 5000, 'clearing recorded', 100);
    // seq 11 of GW-P-0001 never comes (it had 1..10, then 12): a hole, then a loss after the grace.
    await waitFor(() => (a.p.store.gateway('GW-P-0001')?.lost ?? 0) === 1, 5000, 'the hole becomes a loss', 100);
    expect([...a.changes, ...c.changes].some((x) => x.what === 'gap' && /GW-P-0001: seq 11 never arrived/.test(x.text))).toBe(true);

    // Violations: not JSON, a schema error with its path, a gateway id that does not match the topic, a bad status.
    await gwClient.publishAsync('jx/v1/GW-BAD/alarm', 'not json', { qos: 1 });
    await gwClient.publishAsync('jx/v1/GW-BAD/alarm', JSON.stringify(alarmMsg('GW-BAD', 1, 'B-1', { state: 'burning' })), { qos: 1 });
    await gwClient.publishAsync('jx/v1/GW-BAD/event', JSON.stringify({ ...alarmMsg('GW-OTHER', 2, 'B-2'), type: 'device', body: {} }), { qos: 1 });
    await gwClient.publishAsync('jx/v1/GW-BAD/status', 'maybe', { qos: 1, retain: false });
    await waitFor(() => a.p.store.violations().length >= 4, 5000, 'four violations', 100);
    const reasons = a.p.store.violations().map((v) => v.reason);
    expect(reasons.some((r) => /^not JSON/.test(r))).toBe(true);
    expect(reasons.some((r) => /^state: /.test(r))).toBe(true);
    expect(reasons.some((r) => /gw "GW-OTHER" in the payload, "GW-BAD" in the topic/.test(r))).toBe(true);
    expect(reasons.some((r) => /status must be "online" or "offline"/.test(r))).toBe(true);
    expect(a.p.connected && c.p.connected).toBe(true);
  });

  it('the real gateway: a gas leak becomes a case, escalated (red venue), acknowledged, confirmed by the gateway, closed', async () => {
    const b = await broker();
    const { p, changes } = await platform(b.url, join(tmp, 'loop'));
    const v = new Venue({ dir: join(tmp, 'venue'), brokerUrl: b.url });
    await v.start();
    cleanup.push(() => v.close());
    await v.run();
    await waitFor(() => p.store.gateways().some((g) => g.gw === 'GW-FAULT-0001' && g.online), 10_000, 'the gateway online at the platform', 100);
    const t0 = Date.now();
    v.leak(45);
    await waitFor(() => p.store.openCases().some((c) => c.worst === 'alarm'), 10_000, 'a case for the leak', 100);
    const c = p.store.openCases().find((x) => x.worst === 'alarm')!;
    console.log(`gas leak → case ${c.no} at the platform: ${Date.now() - t0} ms (incl. the gas ramp and the alarm delay)`);
    expect(c).toMatchObject({ gw: 'GW-FAULT-0001', venueId: 'V-FAULT-0001', adminCode: '500242100000', risk: 'red', status: 'escalated' });
    expect(c.department).toMatch(/县商务委/);
    expect(c.timeline.map((s) => s.kind).slice(0, 4)).toEqual(['received', 'assigned', 'escalated', 'dispatched']);
    expect(changes.some((x) => x.what === 'case-opened' && x.text.includes(c.no))).toBe(true);

    p.act(c.no, 'acknowledge', '值班员 duty officer');
    await waitFor(
      () => p.store.getCase(c.alarmId)!.timeline.some((s) => /ack-alarm confirmed by the gateway/.test(s.text)),
      10_000,
      'the gateway confirms ack-alarm',
      100,
    );
    await waitFor(
      () => p.store.getCase(c.alarmId)!.timeline.some((s) => /the gateway recorded the acknowledgement by 值班员/.test(s.text)),
      10_000,
      "the gateway's ack event",
      100,
    );
    // The box knows: its open alarm is acknowledged (no more re-announcements), the valve stays closed.
    await waitFor(
      async () => (await v.statusJson()).openAlarms.some((x) => x.alarmId === c.alarmId && (x as { acknowledged?: boolean }).acknowledged === true),
      5000,
      'acknowledged on the box',
      100,
    );
    expect(await v.demanded()).toBe(true);
    expect(() => p.act(c.no, 'close', '李四', '')).toThrow(/a disposition is needed/);
    const closed = p.act(c.no, 'close', '李四', 'leaking hose replaced; valve reopened on site after the check');
    expect(closed.status).toBe('closed');
    expect(closed.timeline.at(-1)!.text).toMatch(/result sent to township 500242100, county centre, 县商务委/);
    expect(p.overview().openCases.find((x) => x.no === c.no)).toBeUndefined();
    expect(p.overview().venues.find((x) => x.id === 'V-FAULT-0001')).toMatchObject({ risk: 'red', state: 'online' });
  });

  it('jiuxiao-sim platform: console and API on a free port, live events, acknowledge sends ack-alarm, bad requests refused', async () => {
    const b = await broker();
    const httpPort = await freePort();
    const proc = await startProcess('node', [SIM, 'platform', '--url', b.url, '--http', String(httpPort), '--data', join(tmp, 'cli')], /ready/, 15_000);
    cleanup.push(() => stopProcess(proc));
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const base = `http://127.0.0.1:${httpPort}/`;
    const html = await (await fetch(base)).text();
    expect(html).toContain('九小场所 县级监管平台');
    expect((await fetch(`${base}console.js`)).headers.get('content-type')).toMatch(/javascript/);

    const sse = await fetch(`${base}api/events`);
    const reader = sse.body!.getReader();
    let streamed = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        streamed += new TextDecoder().decode(value);
      }
    })();
    const cmds = await listen(b.url, 'jx/v1/GW-CLI-0001/cmd');
    cleanup.push(() => cmds.close());
    const gw = await mqtt.connectAsync(b.url, { clientId: 'fake-cli-gw' });
    cleanup.push(() => gw.endAsync());
    await gw.publishAsync('jx/v1/GW-CLI-0001/status', 'online', { qos: 1, retain: true });
    await gw.publishAsync('jx/v1/GW-CLI-0001/alarm', JSON.stringify(alarmMsg('GW-CLI-0001', 1, 'CLI-A-1')), { qos: 1 });
    const overview = async () =>
      (await (await fetch(`${base}api/overview`)).json()) as { openCases: { no: string; alarmId: string }[]; gateways: { total: number } };
    await waitFor(async () => (await overview()).openCases.some((c) => c.alarmId === 'CLI-A-1'), 5000, 'the case in the API', 100);
    const no = (await overview()).openCases.find((c) => c.alarmId === 'CLI-A-1')!.no;
    await waitFor(() => streamed.includes('event: change') && streamed.includes(no), 3000, 'the change streamed', 100);
    await waitFor(() => out.includes(`case ${no}: alarm gas at V-P-1 (orange) → township 500242104`), 3000, 'the change printed', 100);

    const post = (path: string, body: unknown, type = 'application/json') =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect((await post(`api/cases/${no}/acknowledge`, 'by=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(`api/cases/${no}/acknowledge`, {})).status).toBe(400);
    expect(((await (await post('api/cases/C-999999/acknowledge', { by: 'x' })).json()) as { error: string }).error).toBe('no case C-999999');
    const acked = await post(`api/cases/${no}/acknowledge`, { by: '王五' });
    expect(acked.status).toBe(200);
    expect(((await acked.json()) as { status: string }).status).toBe('acknowledged');
    expect((await post(`api/cases/${no}/acknowledge`, { by: '王五' })).status).toBe(409);
    await waitFor(
      () => cmds.got.some((m) => m.json?.name === 'ack-alarm' && (m.json.args as { alarmId: string }).alarmId === 'CLI-A-1'),
      5000,
      'ack-alarm at the gateway',
      100,
    );
    expect((await post(`api/cases/${no}/escalate`, { by: '王五', text: '乡镇无法处理 the township cannot fix the gas line' })).status).toBe(200);
    expect((await post(`api/cases/${no}/close`, { by: '王五', text: '燃气管道已更换 gas line replaced' })).status).toBe(200);
    const closed = (await (await fetch(`${base}api/cases/${no}`)).json()) as { status: string; timeline: { kind: string }[] };
    expect(closed.status).toBe('closed');
    expect(closed.timeline.map((s) => s.kind)).toEqual(['received', 'assigned', 'acknowledged', 'escalated', 'dispatched', 'disposed', 'closed', 'fed-back']);
    expect((await post('api/venues/V-P-1/inspected', { at: '2026-11-01T00:00:00Z' })).status).toBe(200);
    expect((await post('api/venues/V-P-1/inspected', { at: 'yesterday' })).status).toBe(400);
    // No simulated venue beside this platform: no scenario buttons, and a POST says where they are.
    expect(await (await fetch(`${base}api/scenarios`)).json()).toEqual([]);
    const sc = await post('api/scenarios/gas-leak', {});
    expect(sc.status).toBe(404);
    expect(((await sc.json()) as { error: string }).error).toMatch(/scenarios run in the demo/);
    await reader.cancel();
  });

  it('jiuxiao-sim platform refuses bad flags with a specific reason', async () => {
    const r1 = await runCommand('node', [SIM, 'platform', '--url', 'mqtt://127.0.0.1:1', '--host', '0.0.0.0']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--host 0\.0\.0\.0 is beyond loopback: give --token/);
    const r2 = await runCommand('node', [SIM, 'platform']);
    expect(r2.stderr).toMatch(/--url MQTT_URL is required/);
    const plan = join(tmp, 'plan.json');
    (await import('node:fs')).writeFileSync(plan, JSON.stringify({ leads: { bakery: 'x' } }));
    const r3 = await runCommand('node', [SIM, 'platform', '--url', 'mqtt://127.0.0.1:1', '--plan', plan]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--plan .*plan\.json: leads/);
  });
});
