// The runtime in process against the simulator: maintenance mode holds linkage (and a linkage test
// lifts the hold), a dry contact raises an alarm that drives the buzzer, the reset button is a local
// reset, a failing output driver is reported and a device that stops answering puts its channels in
// fault. The local control socket is exercised through the CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { runCli } from '../../gateway/cli/run-cli.js';
import { serveControl } from '../../gateway/control/socket.js';
import { createLogger } from '../../gateway/log/logger.js';
import { GatewayRuntime, type GatewayEvent } from '../../gateway/runtime.js';
import { SimConfigSchema } from '../../simulator/config.js';
import { runSimulator, type RunningSim } from '../../simulator/run.js';
import { freePort } from '../helpers/net.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { HOTPOT } from '../../bench/lib/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-runtime-'));
let sim: RunningSim;
let runtime: GatewayRuntime;
let control: Awaited<ReturnType<typeof serveControl>>;
const events: GatewayEvent[] = [];
const inputs = new Map<string, (active: boolean) => void>();
const configFile = join(dir, 'gw.yaml');

beforeAll(async () => {
  const port = await freePort();
  sim = await runSimulator(
    SimConfigSchema.parse({
      servers: [
        {
          type: 'tcp',
          port,
          devices: [
            { id: 'gas', profile: 'gas-lel', slaveId: 1 },
            { id: 'rcd', profile: 'acrel-asj', slaveId: 2 },
          ],
        },
      ],
    }),
  );
  const raw = {
    gateway: { id: 'GW-RT-0001', dataDir: join(dir, 'data') },
    venue: HOTPOT,
    buses: [{ id: 'tcp', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 200, retries: 0 }],
    devices: [
      { id: 'gas', bus: 'tcp', slaveId: 1, profile: 'gas-lel', group: 'kitchen', pollIntervalMs: 100 },
      { id: 'rcd', bus: 'tcp', slaveId: 2, profile: 'acrel-asj', pollIntervalMs: 100 },
    ],
    inputs: [
      { id: 'reset-button', role: 'reset-button', driver: { type: 'memory' } },
      { id: 'old-smoke-alarm', role: 'dry-contact', driver: { type: 'memory' }, state: 'alarm', kind: 'smoke' },
    ],
    outputs: [
      { id: 'valve', role: 'gas-valve', driver: { type: 'memory' }, closedLevel: 'off', safeState: 'off' },
      { id: 'fan', role: 'fan', driver: { type: 'memory' } },
      { id: 'buzzer', role: 'buzzer', driver: { type: 'memory' } },
    ],
    linkage: [
      {
        when: { group: 'kitchen', kind: 'gas', state: 'alarm' },
        do: [
          { output: 'valve', action: 'close' },
          { output: 'fan', action: 'on' },
        ],
      },
      { when: { kind: 'smoke', state: 'alarm' }, do: [{ output: 'buzzer', action: 'on' }] },
    ],
  };
  const { writeFileSync } = await import('node:fs');
  writeFileSync(configFile, JSON.stringify(raw)); // JSON is YAML
  runtime = new GatewayRuntime(ConfigSchema.parse(raw), {
    profiles: BUILTIN_PROFILES,
    log: createLogger({ level: 'silent' }),
    onEvent: (e) => events.push(e),
    memoryInputs: inputs,
  });
  await runtime.start();
  control = await serveControl(runtime, join(dir, 'data'));
});

afterAll(async () => {
  control.close();
  await runtime.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const dev = (id: string) => sim.devices.find((d) => d.id === id)!;
const outputs = () => runtime.status().outputs as Record<string, { level?: string }>;
const channel = (d: string, c: string) =>
  (runtime.status().channels as { device: string; channel: string; state: string; latched: boolean }[]).find((x) => x.device === d && x.channel === c);
async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli([...argv, '--config', configFile], { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {} });
  return { code, out, err };
}

describe('runtime', () => {
  it('maintenance mode: events flagged test, linkage held; a linkage test drives the outputs', async () => {
    await waitFor(() => channel('gas', 'lel')?.state === 'normal', 5000, 'gas read');
    expect((await cli('maintenance', '--device', 'gas', 'on')).code).toBe(0);
    dev('gas').pin('lel', 30, performance.now());
    await waitFor(() => channel('gas', 'lel')?.state === 'alarm', 5000, 'alarm in maintenance');
    const alarm = events.find((e) => e.type === 'channel' && e.device === 'gas' && e.state === 'alarm');
    expect(alarm).toMatchObject({ test: true });
    expect(outputs().fan?.level).toBe('off');

    dev('gas').pin('lel', 0.3, performance.now());
    await waitFor(() => channel('gas', 'lel')?.latched === true && runtime.status() !== undefined, 2000, 'still latched');
    await sleep(300);
    expect((await cli('reset', '--device', 'gas')).code).toBe(0);
    expect((await cli('maintenance', '--device', 'gas', 'on', '--linkage-test')).code).toBe(0);
    dev('gas').pin('lel', 30, performance.now());
    await waitFor(() => outputs().fan?.level === 'on' && outputs().valve?.level === 'off', 5000, 'linkage test drove fan and valve');
    expect((await cli('maintenance', '--device', 'gas', 'off')).code).toBe(0);
    expect((await cli('maintenance', '--device', 'ghost', 'on')).err).toMatch(/no device "ghost"/);
  });

  it('the reset button is a local reset: refused while gas is high, then accepted', async () => {
    inputs.get('reset-button')?.(true);
    await sleep(200);
    expect(channel('gas', 'lel')).toMatchObject({ state: 'alarm', latched: true });
    dev('gas').pin('lel', 0.3, performance.now());
    await sleep(300);
    inputs.get('reset-button')?.(true);
    await waitFor(() => channel('gas', 'lel')?.state === 'normal' && !(runtime.status().closedValves as string[]).length, 3000, 'reset by the button');
    expect(outputs().valve?.level).toBe('on');
  });

  it('a dry contact closing raises its alarm and sounds the buzzer; silence stops it', async () => {
    inputs.get('old-smoke-alarm')?.(true);
    await waitFor(() => outputs().buzzer?.level === 'on', 3000, 'buzzer on');
    expect(channel('old-smoke-alarm', 'contact')).toMatchObject({ state: 'alarm', latched: true });
    expect((await cli('silence')).code).toBe(0);
    expect(outputs().buzzer?.level).toBe('off');
    inputs.get('old-smoke-alarm')?.(false);
    await sleep(100);
    expect((await cli('reset', '--device', 'old-smoke-alarm')).out).toMatch(/reset old-smoke-alarm\/contact/);
  });

  it('a device that stops answering puts its channels in fault, and back when it answers', async () => {
    dev('rcd').faults = { noReply: true };
    await waitFor(() => channel('rcd', 'residual-current')?.state === 'fault', 5000, 'fault');
    const st = await cli('status');
    expect(st.out).toMatch(/rcd +OFFLINE +timeout/);
    expect(st.out).toMatch(/rcd\/residual-current +FAULT/);
    dev('rcd').faults = {};
    await waitFor(() => channel('rcd', 'residual-current')?.state === 'normal', 5000, 'back to normal');
    const faults = events.filter((e) => e.type === 'channel' && e.device === 'rcd').map((e) => (e.type === 'channel' ? `${e.state}:${e.reason}` : ''));
    expect(faults).toEqual(['fault:unreadable', 'normal:cleared']);
  });

  it('is alive while its poll loops turn and no event task hangs; a loop that stops turning is named (the watchdog asks)', () => {
    expect(runtime.liveness()).toBeNull();
    expect(runtime.liveness(performance.now() + 31_000)).toMatch(/^poll loop 1 of \d+ stuck for 3\d s$/);
    // An event task running too long: what a hung chain looks like from outside.
    (runtime as unknown as { busySince: number }).busySince = performance.now() - 12_000;
    expect(runtime.liveness()).toMatch(/^event handling stuck for 12 s$/);
    (runtime as unknown as { busySince: number | undefined }).busySince = undefined;
  });

  it('the control socket refuses bad requests without changing anything', async () => {
    const { ask } = await import('../../gateway/control/socket.js');
    expect(await ask(join(dir, 'data'), { cmd: 'open-valve' })).toMatchObject({ ok: false, error: expect.stringMatching(/cmd/) });
    expect(await ask(join(dir, 'data'), { cmd: 'reset', valve: 42 })).toMatchObject({ ok: false });
  });
});
