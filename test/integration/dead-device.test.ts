// docs/architecture.md invariant 4: a dead device cannot slow the rest of its bus by more than 10 %. Eight gas
// detectors on one RS-485 line (a real pty), one of them silent. After the breaker has opened, the time
// the bus spends waiting on the dead one (its attempts × what each costs) is at most 10 % of the time
// elapsed; the healthy seven keep being read every cycle. Counted, not timed: a slower machine only
// makes the share smaller.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { createBus } from '../../drivers/bus/create.js';
import { Poller } from '../../drivers/bus/poller.js';
import { Station } from '../../simulator/server/station.js';
import { serveRtu } from '../../simulator/server/servers.js';
import { ptyPair } from '../helpers/pty.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { simDevice } from '../helpers/sim.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('one dead device among eight', () => {
  it('costs the bus at most 10 % of its time once backed off, and is reported offline', async () => {
    const pty = await ptyPair();
    cleanups.push(() => pty.close());
    const devices = Array.from({ length: 8 }, (_, i) => simDevice('gas-lel', i + 1));
    devices[4]!.faults = { noReply: true };
    const server = await serveRtu(new Station(devices), pty.b, 115200);
    cleanups.push(() => server.close());
    const timeoutMs = 100;
    const bus = createBus({ id: 'rs485', type: 'rtu', path: pty.a, baud: 115200, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs, retries: 1 });
    await bus.start();
    cleanups.push(() => bus.stop());
    const poller = new Poller(
      bus,
      devices.map((d) => ({ id: d.id, slaveId: d.slaveId, profile: BUILTIN_PROFILES['gas-lel']!, pollIntervalMs: 0 })),
    );
    const readings = new Map<string, number>();
    poller.on('reading', (id) => readings.set(id, (readings.get(id) ?? 0) + 1));
    poller.start();
    cleanups.push(() => poller.stop());

    await waitFor(() => poller.statuses().find((s) => s.id === 'gas-lel-5')?.breaker === 'open', 10_000, 'breaker open');
    const dead = poller.statuses().find((s) => s.id === 'gas-lel-5')!;
    expect(dead.online).toBe(false);
    expect(dead.lastReason).toBe('timeout');

    // Measure a window of steady state.
    const t0 = performance.now();
    const polls0 = dead.polls;
    const healthy0 = new Map(readings);
    await sleep(3000);
    const elapsed = performance.now() - t0;
    const deadPolls = poller.statuses().find((s) => s.id === 'gas-lel-5')!.polls - polls0;
    const cost = bus.options.timeoutMs + bus.options.lateReplyGuardMs; // one try: probes get no retry
    expect((deadPolls * cost) / elapsed).toBeLessThanOrEqual(0.1);
    for (const d of devices) {
      if (d.id === 'gas-lel-5') continue;
      expect((readings.get(d.id) ?? 0) - (healthy0.get(d.id) ?? 0)).toBeGreaterThan(10);
    }
  });
});
