// `jiuxiao-sim devices` as a process: started from the example config (ports moved to free ones), read
// by our gateway, driven through its control API, stopped by SIGTERM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/run-cli.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopAll, stopProcess } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SIM = join(ROOT, 'dist/simulator/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'jx-sim-'));
afterAll(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

async function read(...argv: string[]) {
  let out = '';
  const code = await runCli(['read', ...argv, '--json'], { stdout: (t) => void (out += t), stderr: () => undefined, env: {} });
  return { code, json: JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown> };
}

async function api(port: number, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('jiuxiao-sim devices --config', () => {
  it('serves the demo venue, obeys its control API, and stops on SIGTERM', async () => {
    const [tcp, rtu, control] = [await freePort(), await freePort(), await freePort()];
    const cfg = readFileSync(join(ROOT, 'config/examples/simulated-venue.sim.yaml'), 'utf8')
      .replace('port: 15020', `port: ${tcp}`)
      .replace('port: 15021', `port: ${rtu}`)
      .replace('port: 15080', `port: ${control}`);
    const file = join(tmp, 'venue.sim.yaml');
    writeFileSync(file, cfg);
    const sim = await startProcess('node', [SIM, 'devices', '--config', file, '--scenario', 'gas-leak'], /^ready$/m);

    const gas = await read('--tcp', `127.0.0.1:${tcp}`, '--id', '1', '--profile', 'gas-lel');
    expect(gas.code).toBe(0);
    expect(gas.json).toMatchObject({ points: { lel: { unit: '%LEL' } } });
    const asj = await read('--tcp', `127.0.0.1:${rtu}`, '--rtu-over-tcp', '--id', '1', '--profile', 'acrel-asj');
    expect(asj.json).toMatchObject({ points: { 'alarm-status': { label: 'normal' } } });

    const list = await api(control, 'GET', '/devices');
    expect((list.json as unknown as { id: string; behaviour: string }[]).map((d) => `${d.id}:${d.behaviour}`)).toEqual([
      'kitchen-gas:gas-leak',
      'kitchen-smoke:steady',
      'kitchen-panel:steady',
      'relays:steady',
      'main-panel:steady',
    ]);
    expect((await api(control, 'PUT', '/devices/kitchen-gas/points/lel', { value: 33.3 })).status).toBe(200);
    expect((await read('--tcp', `127.0.0.1:${tcp}`, '--id', '1', '--profile', 'gas-lel')).json).toMatchObject({
      points: { lel: { value: 33.3 }, status: { bits: { al1: true } } },
    });
    expect((await api(control, 'PUT', '/devices/main-panel/faults', { exception: 4 })).status).toBe(200);
    expect((await read('--tcp', `127.0.0.1:${rtu}`, '--rtu-over-tcp', '--id', '1', '--profile', 'acrel-asj')).json).toEqual({
      error: expect.stringMatching(/exception 4 \(server device failure\)/),
    });
    expect((await api(control, 'DELETE', '/devices/main-panel/faults')).status).toBe(200);

    // Bad input: a specific 400/404 that changes nothing.
    expect(await api(control, 'PUT', '/devices/kitchen-gas/faults', { noReply: 'yes' })).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/noReply/) },
    });
    expect(await api(control, 'PUT', '/devices/kitchen-gas/points/lle', { value: 1 })).toMatchObject({
      status: 404,
      json: { error: expect.stringMatching(/no point "lle"/) },
    });
    expect(await api(control, 'PUT', '/devices/ghost/behaviour', { name: 'steady' })).toMatchObject({ status: 404 });
    expect(await api(control, 'POST', '/scenario', { name: 'earthquake' })).toMatchObject({ status: 400 });
    expect((await api(control, 'GET', '/devices/kitchen-gas')).json).toMatchObject({ faults: {}, values: { lel: 33.3 } });

    expect(await api(control, 'POST', '/scenario', { name: 'kitchen-fire' })).toMatchObject({
      status: 200,
      json: { devices: ['kitchen-smoke', 'kitchen-panel'] },
    });
    await api(control, 'POST', '/reset');
    expect((await api(control, 'GET', '/devices/kitchen-smoke')).json).toMatchObject({ behaviour: 'steady' });

    await stopProcess(sim);
    expect(sim.exitCode).toBe(0);
  });

  it('a bad config file is refused with its line', async () => {
    const file = join(tmp, 'bad.sim.yaml');
    writeFileSync(file, 'servers:\n  - type: tcp\n    port: 70000\n    devices: []\n');
    const { runCommand } = await import('../helpers/proc.js');
    const r = await runCommand('node', [SIM, 'devices', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.sim\.yaml:3:11 servers\[0\]\.port: must be ≤ 65535, got 70000/);
    expect(r.stderr).toMatch(/bad\.sim\.yaml:4:14 servers\[0\]\.devices: needs at least 1 item/);
  });
});

describe('jiuxiao-sim centre', () => {
  it('confirms a frame from a box, records it decoded, denies a bad data unit, and refuses two answer modes at once', async () => {
    const { connect } = await import('node:net');
    const { encodeFrame, FrameReader, timeLabelOf } = await import('../../gateway/centre/gbt26875/frame.js');
    const { encodeUnit } = await import('../../gateway/centre/gbt26875/units.js');
    const port = await freePort();
    const record = join(tmp, 'centre.jsonl');
    const centre = await startProcess('node', [SIM, 'centre', '--port', String(port), '--record', record], /^ready$/m);
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise((r) => sock.once('connect', r));
    const reader = new FrameReader();
    const answers: { serial: number; command: number }[] = [];
    sock.on('data', (d: Buffer) => answers.push(...reader.push(d).frames));
    const time = timeLabelOf(new Date(), 'Asia/Shanghai');
    const frame = (serial: number, data: Uint8Array) =>
      encodeFrame({ serial, version: { main: 1, user: 0 }, time, source: 12345, destination: 1, command: 2, data });
    sock.write(frame(7, encodeUnit({ type: 21, objects: [{ type: 21, status: 1, time }] })));
    sock.write(frame(8, Uint8Array.from([22, 1, 0])));
    await waitFor(() => answers.length === 2, 5000, 'both answers');
    expect(answers.map((a) => [a.serial, a.command])).toEqual([
      [7, 3],
      [8, 6],
    ]);
    sock.destroy();
    await stopProcess(centre);
    const lines = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ dir: 'in', serial: 7, command: 2, source: 12345, unit: { type: 21, objects: [{ type: 21, status: 1 }] } });
    expect(lines.find((l) => l.serial === 8 && l.dir === 'in')).toMatchObject({ rejected: 'unknown information type 22' });

    const both = await import('../helpers/proc.js').then((p) => p.runCommand('node', [SIM, 'centre', '--deny', '--silent']));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give at most one of --deny, --silent, --drop, --delay/);
  });
});
