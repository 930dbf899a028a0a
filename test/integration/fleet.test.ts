// The fleet against a real Mosquitto and the reference platform: every simulated gateway online with its
// heartbeats flowing, its messages valid under the contract (no violation but from the gateways told to
// break it, each named), alarms turned into cases spread over the townships, an acknowledgement answered
// by the simulated gateway; the CLI stops by itself after --duration and leaves every gateway offline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../simulator/fleet/fleet.js';
import { Platform } from '../../simulator/platform/platform.js';
import { removeBrokerDir, startBroker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { runCommand } from '../helpers/proc.js';
import { sleep, waitFor } from '../helpers/wait.js';

const SIM = join(import.meta.dirname, '..', '..', 'dist/simulator/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'jx-fleet-'));
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

describe('fleet', () => {
  it('60 gateways: all online at the platform, heartbeats flowing, alarms become cases by township, malformed ones reported', async () => {
    const b = await startBroker();
    cleanup.push(async () => {
      await b.stop();
      removeBrokerDir(b);
    });
    const p = new Platform({ url: b.url, dataDir: join(tmp, 'p'), tickMs: 200 });
    await p.start();
    cleanup.push(() => p.stop());
    const fleet = new Fleet({ url: b.url, gateways: 60, heartbeatS: 1, telemetryS: 2, alarmRate: 10, malformed: 2, clearAfterMs: 1500 });
    cleanup.push(() => fleet.stop());
    await fleet.start(20_000);
    expect(fleet.stats.connected).toBe(60);
    await waitFor(() => p.store.gateways().filter((g) => g.online && g.lastHeartbeat !== null).length >= 58, 10_000, 'all 60 online with heartbeats', 100);
    await waitFor(() => p.store.openCases().length >= 10, 10_000, 'cases from the alarms', 100);
    const cases = p.store.openCases();
    expect(new Set(cases.map((c) => c.adminCode.slice(0, 9))).size).toBeGreaterThan(3);
    expect(cases.every((c) => c.gw.startsWith('GW-FLEET-'))).toBe(true);
    // Only the two gateways told to break the contract are reported, and each by name.
    // (Each of the two sends its first malformed message at its own moment: wait for both.)
    await waitFor(() => new Set(p.store.violations(1000).map((v) => v.gw)).size >= 2, 10_000, 'violations of both malformed gateways', 100);
    const bad = new Set(p.store.violations(1000).map((v) => v.gw));
    expect([...bad].sort()).toEqual(['GW-FLEET-000001', 'GW-FLEET-000002']);
    expect(p.store.violations(1000).some((v) => /venue\.risk|state/.test(v.reason))).toBe(true);
    // No loss, no duplicate in the valid traffic.
    await sleep(1500);
    p.tick();
    expect(p.store.gateways().reduce((a, g) => a + g.lost, 0)).toBe(0);
    const c = p.store.openCases().find((x) => x.alarmState === 'alarm') ?? cases[0]!;
    p.act(c.no, 'acknowledge', 'fleet test');
    await waitFor(() => p.store.getCase(c.alarmId)!.timeline.some((s) => /ack-alarm confirmed/.test(s.text)), 5000, 'the simulated gateway confirms', 100);
    console.log(
      `fleet 60: intake ${p.counts.received} messages, ${p.store.openCases().length + p.store.recentCases(1000).filter((x) => x.status === 'closed').length} cases, violations ${p.counts.violations}`,
    );
  });

  it('jiuxiao-sim fleet runs for --duration, then leaves every gateway offline; bad flags are refused', async () => {
    const b = await startBroker();
    cleanup.push(async () => {
      await b.stop();
      removeBrokerDir(b);
    });
    const status = await listen(b.url, 'jx/v1/+/status');
    cleanup.push(() => status.close());
    const r = await runCommand('node', [SIM, 'fleet', '--url', b.url, '--gateways', '20', '--duration', '3', '--heartbeat', '1'], 30_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/all connected: connected 20\/20/);
    expect(r.stdout).toMatch(/stopping: connected 20\/20 · published .*heartbeat \d+/);
    await waitFor(() => new Set(status.got.filter((m) => m.payload === 'offline').map((m) => m.topic)).size === 20, 5000, 'twenty offline', 100);
    const bad = await runCommand('node', [SIM, 'fleet', '--url', b.url, '--gateways', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--gateways expects a whole number from 1 to 1000000, got "many"/);
    const bad2 = await runCommand('node', [SIM, 'fleet', '--url', b.url, '--gateways', '5', '--malformed', '6']);
    expect(bad2.stderr).toMatch(/--malformed expects a whole number from 0 to 5/);
    const bad3 = await runCommand('node', [SIM, 'fleet', '--url', b.url, '--gateways', '5', '--config-refuse', '0.6', '--config-silent', '0.5']);
    expect(bad3.code).toBe(2);
    expect(bad3.stderr).toMatch(/--config-refuse, --config-rollback and --config-silent add up to more than 1/);
    const bad4 = await runCommand('node', [SIM, 'fleet', '--url', b.url, '--gateways', '5', '--config-rollback', 'half']);
    expect(bad4.stderr).toMatch(/--config-rollback expects a number from 0 to 1, got "half"/);
  });
});
