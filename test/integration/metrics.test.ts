// /metrics on the real `run` process during a gas alarm: the Prometheus text says what the status page
// says (channel in alarm, valve closed, outputs desired and observed), plus the bus counters, the SQLite
// files, the process's RSS and event-loop lag; every line parses; the token rule is the page's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log/logger.js';
import { GatewayMetrics } from '../../gateway/status/metrics.js';
import { StatusServer } from '../../gateway/status/status-server.js';
import { Venue } from '../faults/venue.js';
import { freePort } from '../helpers/net.js';
import { sampleSnapshot } from '../helpers/status-snapshot.js';
import { waitFor } from '../helpers/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'jx-metrics-'));
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

/** name{labels} → value, checking that every sample line is well formed. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    // Values as Go's ParseFloat reads them (NaN in any case: prom-client writes "Nan").
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/i.exec(line);
    expect(m, `malformed sample: ${line}`).not.toBeNull();
    out.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return out;
}

describe('/metrics', () => {
  it('during a gas alarm on the real gateway: channel, valve, outputs, bus, files, process', async () => {
    const v = new Venue({ dir: join(tmp, 'venue'), brokerUrl: undefined });
    await v.start();
    cleanup.push(() => v.close());
    await v.run();
    v.leak(45);
    await waitFor(() => v.demanded(), 15_000, 'valve closed, fan and buzzer on', 100);
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${v.statusPort}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parse(await res.text());
    };
    // The recorder thread opens the outbox a moment after the gateway acts (events wait in memory).
    const bytes = (m: Map<string, number>, f: string) =>
      (m.get(`jx_sqlite_file_bytes{file="${f}"}`) ?? 0) + (m.get(`jx_sqlite_file_bytes{file="${f}-wal"}`) ?? 0);
    let m = await scrape();
    await waitFor(
      async () => {
        m = await scrape();
        return bytes(m, 'outbox.db') > 0 && bytes(m, 'state.db') > 0;
      },
      10_000,
      'outbox and state files on disk',
      100,
    );
    expect(m.get('jx_channel_state{device="kitchen-gas",channel="lel",kind="gas",state="alarm"}')).toBe(1);
    expect(m.get('jx_channel_state{device="kitchen-gas",channel="lel",kind="gas",state="normal"}')).toBe(0);
    expect(m.get('jx_channel_value{device="kitchen-gas",channel="lel",unit="%LEL"}')).toBeCloseTo(45, 0);
    expect(m.get('jx_gas_valve_closed{output="gas-valve"}')).toBe(1);
    expect(m.get('jx_output_desired_on{output="exhaust-fan",role="fan"}')).toBe(1);
    expect(m.get('jx_output_observed_on{output="exhaust-fan",role="fan"}')).toBe(1);
    expect(m.get('jx_output_ok{output="buzzer",role="buzzer"}')).toBe(1);
    expect(m.get('jx_device_online{device="kitchen-gas"}')).toBe(1);
    expect(m.get('jx_device_breaker{device="kitchen-gas",state="closed"}')).toBe(1);
    expect(m.get('jx_device_polls_total{device="kitchen-gas",bus="sensors"}')).toBeGreaterThan(0);
    expect(m.get('jx_bus_transactions_total{bus="sensors"}')).toBeGreaterThan(0);
    expect(m.get('jx_bus_link_up{bus="relay-bus"}')).toBe(1);
    expect(m.get('jx_uplink_connected')).toBe(0);
    expect(m.get('jx_storage_ok')).toBe(1);
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(10e6);
    expect(m.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
  }, 60_000);

  it('same token rule as the page: 401 without it, served with it', async () => {
    const port = await freePort();
    const metrics = new GatewayMetrics(() => ({
      snapshot: sampleSnapshot(),
      buses: [],
      uplink: { connects: 3, inFlight: 2 },
      files: { 'outbox.db': join(tmp, 'nothing.db') },
    }));
    const server = new StatusServer({ host: '127.0.0.1', port, token: 'tok-metrics-1' }, () => sampleSnapshot(), createLogger({ level: 'silent' }), metrics);
    await server.start();
    cleanup.push(() => server.stop());
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer tok-metrics-1' } });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    const m = parse(text);
    expect(m.get('jx_uplink_connects_total')).toBe(3);
    expect(m.get('jx_uplink_in_flight')).toBe(2);
    expect(m.get('jx_outbox_backlog{priority="alarm"}')).toBe(1);
    expect(m.get('jx_alarms_unacknowledged')).toBe(1);
    expect(m.get('jx_sqlite_file_bytes{file="outbox.db"}')).toBe(0);
    expect(m.get('jx_output_observed_on{output="fan",role="fan"}')).toBe(0);
    expect(m.get('jx_output_ok{output="fan",role="fan"}')).toBe(0);
    // The Grafana dashboard in deploy/ asks only for metrics that exist.
    const { readFileSync } = await import('node:fs');
    const dash = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((x) => x[1] as string));
    const used = dash.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b((?:jx|process|nodejs)_[a-z0-9_]+)/g)].map((x) => x[1] as string)));
    expect(used.length).toBeGreaterThan(10);
    for (const u of used) expect(names, `dashboard metric ${u}`).toContain(u);
  });
});
