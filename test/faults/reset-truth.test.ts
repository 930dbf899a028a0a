// A local reset that tells the truth (issue 21, item 1). A smoke detector on the relay module's bus falls
// silent as the gas clears, so every read of the relay waits behind its timeouts; a reset a second later
// used to be answered "gas-valve reopened" while a verify read still on the bus came back "off", was taken
// for a fault against the new demand, and the gateway closed the valve again. Here, over several rounds
// at different moments, the reset's answer must say what mbpoll (a Modbus master we did not write) reads
// on the relay's coil afterwards, and no false "failed" output event may appear.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/run-cli.js';
import { stopAll } from '../helpers/proc.js';
import type { SimDevice } from '../../simulator/device/sim-device.js';
import { Venue } from './venue.js';
import { sleep, waitFor } from '../helpers/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'jx-reset-'));
let venue: Venue | undefined;

afterAll(async () => {
  await venue?.close();
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

const ROUNDS = 4;

async function status(v: Venue): Promise<{ channels: { device: string; value: unknown }[]; devices: { id: string; online: boolean | null }[] }> {
  return (await (await fetch(`http://127.0.0.1:${v.statusPort}/status.json`)).json()) as never;
}

it(`a reset while a verify read is on the slowed bus says what the valve did (${ROUNDS} rounds)`, async () => {
  const v = new Venue({ dir: tmp, brokerUrl: undefined, neighbour: true });
  venue = v;
  await v.start();
  const gw = await v.run();
  const relay = v.relay as SimDevice;
  // The moment that lost the race: the valve driver's own read of coil 0 (fc 1, one bit; the poller reads
  // the module's eight) arrives while the valve is closed, and its answer is late, as behind a silent
  // neighbour. The reset is made while that read is still on the bus.
  let armed: (() => void) | undefined;
  const answer = relay.answer.bind(relay);
  relay.answer = (req, now) => {
    const a = answer(req, now);
    if (armed && req.fc === 1 && req.address === 0 && req.count === 1 && relay.tables.coils.get(0) !== 1) {
      relay.faults = { delayMs: 700 };
      const go = armed;
      armed = undefined;
      setImmediate(go);
    } else if (!armed) relay.faults = {};
    return a;
  };
  await waitFor(() => v.gas.requests > 2 && v.neighbour.requests > 2, 5000, 'polled', 100);
  for (let round = 0; round < ROUNDS; round++) {
    // The valve is closed: the fail-safe close at start, then a gas alarm in each later round.
    if (round > 0) {
      v.leak(40);
      await waitFor(async () => (await v.coils())?.valveOpen === false, 15_000, `round ${round}: valve closed`, 100);
    }
    v.neighbour.faults = { noReply: true };
    v.leak(0);
    await waitFor(async () => (await status(v)).channels.some((c) => c.device === 'kitchen-gas' && c.value === 0), 15_000, `round ${round}: gas normal`, 100);
    const verifying = new Promise<void>((r) => (armed = r));
    await waitFor(
      () => Promise.race([verifying.then(() => true), sleep(100).then(() => false)]),
      10_000,
      `round ${round}: a verify read of the closed valve`,
      100,
    );
    const r = io();
    const code = await runCli(['reset', '--config', v.configFile], r.io);
    const told = r.out.join('');
    await sleep(1500); // a close that follows a false fault comes within this
    const coils = await v.coils();
    const said = /^reset gas-valve\b/m.test(told);
    expect({ round, said, open: coils?.valveOpen, told }).toEqual({ round, said: coils?.valveOpen === true, open: coils?.valveOpen, told });
    expect({ round, said, code }).toEqual({ round, said: true, code: 0 });
    expect(told).toMatch(/^reset gas-valve: open \(read back on\)$/m);
    v.neighbour.faults = {};
  }
  const failed = gw.events().filter((e) => e.type === 'output' && e.output === 'gas-valve' && e.status === 'failed');
  expect(failed).toEqual([]);
  expect(gw.raw.filter((l) => l.includes('driver fault while opening'))).toEqual([]);
}, 180_000);

function io() {
  const out: string[] = [];
  return { out, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), env: {} } };
}
