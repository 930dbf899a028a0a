// Links that go away and come back: a serial adapter unplugged and replugged (the pty path vanishes and
// returns), a TCP peer that refuses, drops or stalls. The bus marks its devices offline, reopens with
// backoff and resumes by itself.
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { createBus } from '../../drivers/bus/create.js';
import type { Bus } from '../../drivers/bus/bus.js';
import { Poller, type DeviceStatus } from '../../drivers/bus/poller.js';
import { Station } from '../../simulator/server/station.js';
import { serveRtu, serveTcp, type RunningServer } from '../../simulator/server/servers.js';
import { freePort } from '../helpers/net.js';
import { ptyPair } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';
import { simDevice } from '../helpers/sim.js';

const gasProfile = BUILTIN_PROFILES['gas-lel']!;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function watch(poller: Poller) {
  const statuses: DeviceStatus[] = [];
  let readings = 0;
  poller.on('status', (s) => statuses.push(s));
  poller.on('reading', () => readings++);
  return { statuses, readings: () => readings, last: () => statuses.at(-1) };
}

/** Polls one gas detector at slave id 1 every 50 ms, stopped after the test. */
function pollGas(bus: Bus) {
  const poller = new Poller(bus, [{ id: 'gas', slaveId: 1, profile: gasProfile, pollIntervalMs: 50 }]);
  const w = watch(poller);
  poller.start();
  cleanups.push(() => poller.stop());
  return w;
}

/** Started, with fast reopen, and stopped after the test. */
async function started(bus: Bus): Promise<Bus> {
  Object.assign(bus.options, { reopenMinMs: 100, reopenMaxMs: 400 });
  await bus.start();
  cleanups.push(() => bus.stop());
  return bus;
}

describe('serial unplug and replug', () => {
  it('goes offline with the reason, reopens by itself and resumes', async () => {
    const pty = await ptyPair();
    cleanups.push(() => pty.close());
    const gas = simDevice('gas-lel', 1);
    let server: RunningServer = await serveRtu(new Station([gas]), pty.b, 9600);
    cleanups.push(() => server.close());
    const bus = await started(
      createBus({ id: 'rs485', type: 'rtu', path: pty.a, baud: 9600, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs: 200, retries: 0 }),
    );
    const w = pollGas(bus);

    await waitFor(() => w.last()?.online === true, 5000, 'device online');
    const links: boolean[] = [];
    bus.on('link', (up) => links.push(up));

    await server.close();
    await pty.unplug();
    await waitFor(() => w.last()?.online === false, 5000, 'device offline after unplug');
    expect(w.last()?.lastReason).toMatch(/port closed|unplugged/);
    expect(bus.linkUp).toBe(false);

    await pty.replug();
    server = await serveRtu(new Station([gas]), pty.b, 9600);
    const before = w.readings();
    await waitFor(() => w.last()?.online === true && w.readings() > before + 3, 10_000, 'readings again after replug');
    expect(links[0]).toBe(false);
    expect(links).toContain(true);
    expect(bus.snapshot().linkLosses).toBeGreaterThanOrEqual(1);
  });
});

describe('TCP peers that refuse, drop or stall', () => {
  it('refused: offline with the reason, then online when the peer starts', async () => {
    const port = await freePort();
    const bus = await started(createBus({ id: 'tcp', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 200, retries: 0 }));
    expect(bus.linkUp).toBe(false);
    expect(bus.linkReason).toMatch(/connection refused/);
    const w = pollGas(bus);
    await waitFor(() => w.last()?.online === false, 5000, 'offline while refused');
    expect(w.last()?.lastReason).toMatch(/connection refused/);

    const server = await serveTcp(new Station([simDevice('gas-lel', 1)]), '127.0.0.1', port);
    cleanups.push(() => server.close());
    await waitFor(() => w.last()?.online === true, 5000, 'online once the peer listens');
  });

  it('dropped connections: reconnects and resumes', async () => {
    const gas = simDevice('gas-lel', 1);
    const port = await freePort();
    const server = await serveTcp(new Station([gas]), '127.0.0.1', port);
    cleanups.push(() => server.close());
    const bus = await started(createBus({ id: 'tcp', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 200, retries: 0 }));
    const w = pollGas(bus);
    await waitFor(() => w.last()?.online === true, 5000, 'online');
    gas.faults = { dropConnection: true };
    await waitFor(() => bus.snapshot().linkLosses >= 2, 5000, 'connections dropped');
    gas.faults = {};
    const before = w.readings();
    await waitFor(() => w.readings() > before + 3, 5000, 'readings after the drops stop');
    expect(w.last()?.online).toBe(true);
  });

  it('a stalled peer (connected, never answers) is reconnected after three timeouts in a row', async () => {
    const gas = simDevice('gas-lel', 1);
    const port = await freePort();
    const server = await serveTcp(new Station([gas]), '127.0.0.1', port);
    cleanups.push(() => server.close());
    const bus = await started(createBus({ id: 'tcp', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 100, retries: 0 }));
    gas.faults = { noReply: true };
    for (let i = 0; i < 3; i++) await expect(bus.execute(1, { fc: 4, address: 0, count: 1 })).rejects.toMatchObject({ code: 'timeout' });
    await waitFor(() => bus.snapshot().linkLosses >= 1, 2000, 'reconnect of the stalled link');
    gas.faults = {};
    await waitFor(() => bus.linkUp, 3000, 'link back');
    await expect(bus.execute(1, { fc: 4, address: 0, count: 1 })).resolves.toMatchObject({ fc: 4 });
  });
});
