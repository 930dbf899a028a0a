// `jiuxiao-gateway commission` as an installer runs it, on real lines: two serial lines (socat ptys) and a
// Modbus TCP endpoint with a mixed set of simulated devices. The wizard finds each device and names it,
// writes a config that passes check-config, and the real `run` process on that config has every device
// online. Ptys carry no line settings (every baud rate answers): the wizard must say so, not guess quietly.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/run-cli.js';
import { loadConfigFile, ProfileSchema } from '../../config/index.js';
import { SimDevice } from '../../simulator/device/sim-device.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { Station } from '../../simulator/server/station.js';
import { serveRtu, serveTcp, type RunningServer } from '../../simulator/server/servers.js';
import { freePort } from '../helpers/net.js';
import { startProcess, stopAll } from '../helpers/proc.js';
import { ptyPair, type PtyPair } from '../helpers/pty.js';
import { simDevice } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GATEWAY = join(ROOT, 'dist/gateway/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'jx-commission-'));

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env });
  return { code, out, err };
}

const ANSWERS = `gateway: { id: GW-500242-0200 }
venue:
  id: V-500242-100-0200
  name: 小吃店 snack bar
  adminCode: "500242100000"
  category: catering
  size: { areaM2: 80, diners: 30 }
  flammables: 是
  fireKeyUnit: false
  mixedUse: n
  heavyGasUse: y
`;

describe('commission on ptys and TCP', () => {
  let kitchen: PtyPair;
  let panel: PtyPair;
  const servers: RunningServer[] = [];
  let tcp: number;
  beforeAll(async () => {
    kitchen = await ptyPair();
    panel = await ptyPair();
    servers.push(await serveRtu(new Station([simDevice('gas-lel', 1), simDevice('relay', 9)]), kitchen.b, 9600));
    servers.push(await serveRtu(new Station([simDevice('acrel-asj', 5)]), panel.b, 19200));
    tcp = await freePort();
    servers.push(await serveTcp(new Station([simDevice('smoke', 2), simDevice('electrical-fire', 3)]), '127.0.0.1', tcp));
    writeFileSync(join(tmp, 'answers.yaml'), ANSWERS);
  });
  afterAll(async () => {
    await stopAll();
    for (const s of servers) await s.close();
    await kitchen?.close();
    await panel?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('finds and names each device, writes a config that passes check-config, and that config runs', async () => {
    const out = join(tmp, 'gateway.yaml');
    const r = await cli([
      'commission',
      '--port',
      kitchen.a,
      '--port',
      panel.a,
      '--tcp',
      `127.0.0.1:${tcp}`,
      '--baud',
      '9600,19200',
      '--parity',
      'none',
      '--ids',
      '1-10',
      '--answers',
      join(tmp, 'answers.yaml'),
      '--out',
      out,
      '--lang',
      'en',
    ]);
    expect(r.err).not.toMatch(/commission:/);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${kitchen.a}: slave 1 @ 9600 8N1 → gas-lel (most likely)`);
    expect(r.out).toContain(`${kitchen.a}: slave 9 @ 9600 8N1 → relay (most likely)`);
    expect(r.out).toContain(`${panel.a}: slave 5 @ 9600 8N1 → acrel-asj (most likely)`);
    expect(r.out).toContain(`tcp 127.0.0.1:${tcp}: slave 2 → smoke (most likely)`);
    expect(r.out).toContain(`tcp 127.0.0.1:${tcp}: slave 3 → electrical-fire (most likely)`);
    expect(r.out).toMatch(/evidence: input registers 0–1: lel = [\d.]+ %LEL, status = 0/);
    // A pty answers at any baud rate: said, and the guess written is marked in the file.
    expect(r.out).toMatch(/answered at every setting tried: this line does not tell them apart/);
    expect(r.out).toMatch(/Risk colour: RED 高风险 high risk — inspect at least every 30 days/);
    expect(r.out).toMatch(/Linkage proposed: gas alarm → close the valve \(relay relays-9 coil 0\)/);
    // Progress on stderr, with an estimate.
    expect(r.err).toMatch(/\[#+\.*\] \d+% .* about \d+ s left/);

    const written = loadConfigFile(out, { builtinProfiles: BUILTIN_PROFILES, env: {} });
    expect(written.errors).toEqual([]);
    expect(written.config?.devices.map((d) => `${d.id}:${d.profile}@${d.bus}/${d.slaveId}`)).toEqual([
      'gas-1:gas-lel@rs485-1/1',
      'relays-9:relay@rs485-1/9',
      'rcd-5:acrel-asj@rs485-2/5',
      'smoke-2:smoke@tcp-1/2',
      'electrical-3:electrical-fire@tcp-1/3',
    ]);
    expect(written.config?.linkage.map((l) => l.id)).toEqual(['gas-alarm', 'smoke-alarm']);
    expect(readFileSync(out, 'utf8')).toMatch(/answered at every setting tried: check baud and parity/);

    // The config runs: every device online in the real gateway process.
    const data = join(tmp, 'data');
    const gw = await startProcess('node', [GATEWAY, 'run', '--config', out], /gateway running/, 15_000, { JX_DATA_DIR: data });
    try {
      let online: string[] = [];
      await waitFor(
        async () => {
          const st = await cli(['status', '--config', out, '--json'], { JX_DATA_DIR: data });
          online =
            st.code === 0 ? (JSON.parse(st.out) as { devices: { id: string; online: boolean | null }[] }).devices.filter((d) => d.online).map((d) => d.id) : [];
          return online.length === 5;
        },
        10_000,
        'every device online',
        100,
      );
      expect(online.sort()).toEqual(['electrical-3', 'gas-1', 'rcd-5', 'relays-9', 'smoke-2']);
    } finally {
      gw.kill('SIGTERM');
    }
  }, 90_000);

  it("--profiles: the installer's own register maps are tried too, and carried into the config", async () => {
    const acme = {
      description: 'ACME point gas detector (registers from 10)',
      points: {
        lel: { fc: 4, address: 10, type: 'u16', scale: 0.1, unit: '%LEL', kind: 'gas', range: { min: 0, max: 100 } },
        status: { fc: 4, address: 11, type: 'u16', kind: 'status', bits: { alarm: 0 } },
      },
    };
    const port = await freePort();
    servers.push(await serveTcp(new Station([new SimDevice('acme-4', 'acme-lel', ProfileSchema.parse(acme), 4)]), '127.0.0.1', port));
    const own = join(tmp, 'own.yaml');
    writeFileSync(
      own,
      JSON.stringify({
        gateway: { id: 'GW-OWN-0001' },
        venue: {
          id: 'V-OWN',
          name: 'own',
          adminCode: '500242100000',
          category: 'shopping',
          flammables: false,
          fireKeyUnit: false,
          mixedUse: false,
          heavyGasUse: false,
        },
        buses: [{ id: 't', type: 'tcp', host: '127.0.0.1', port: 1 }],
        devices: [{ id: 'g', bus: 't', slaveId: 1, profile: 'acme-lel' }],
        profiles: { 'acme-lel': acme },
        uplink: { url: 'mqtt://127.0.0.1:1883' },
      }),
    );
    const out = join(tmp, 'own-out.yaml');
    const r = await cli([
      'commission',
      '--tcp',
      `127.0.0.1:${port}`,
      '--ids',
      '3-5',
      '--profiles',
      own,
      '--answers',
      join(tmp, 'answers.yaml'),
      '--out',
      out,
      '--lang',
      'en',
    ]);
    expect(r.err).not.toMatch(/commission:/);
    expect(r.out).toContain(`tcp 127.0.0.1:${port}: slave 4 → acme-lel (most likely)`);
    const written = loadConfigFile(out, { builtinProfiles: BUILTIN_PROFILES, env: {} });
    expect(written.errors).toEqual([]);
    expect(written.config?.devices.map((d) => d.profile)).toEqual(['acme-lel']);
    expect(Object.keys(written.config?.profiles ?? {})).toEqual(['acme-lel']);
    const bad = await cli([
      'commission',
      '--tcp',
      `127.0.0.1:${port}`,
      '--profiles',
      join(tmp, 'answers.yaml'),
      '--answers',
      join(tmp, 'answers.yaml'),
      '--out',
      join(tmp, 'z.yaml'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--profiles .*answers\.yaml is not a valid config/);
  });

  it('in Chinese with LANG=zh_CN.UTF-8; refuses to overwrite; a script without answers fails before scanning', async () => {
    const out = join(tmp, 'zh.yaml');
    const zh = await cli(['commission', '--tcp', `127.0.0.1:${tcp}`, '--ids', '1-3', '--answers', join(tmp, 'answers.yaml'), '--out', out], {
      LANG: 'zh_CN.UTF-8',
    });
    expect(zh.code).toBe(0);
    expect(zh.out).toContain(`tcp 127.0.0.1:${tcp}：地址 2 → smoke（最可能）`);
    expect(zh.out).toMatch(/风险等级：RED 高风险 high risk —— 至少每 30 天检查一次/);
    const again = await cli(['commission', '--tcp', `127.0.0.1:${tcp}`, '--answers', join(tmp, 'answers.yaml'), '--out', out], { LANG: 'zh_CN.UTF-8' });
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/已存在：加 --force 覆盖/);
    const none = await cli(['commission', '--tcp', `127.0.0.1:${tcp}`, '--out', join(tmp, 'x.yaml')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no answer for: gateway\.id, venue\.id, venue\.name, venue\.adminCode, venue\.category/);
    expect(none.out).not.toMatch(/Scanning/);
    writeFileSync(join(tmp, 'bad.yaml'), ANSWERS.replace('"500242100000"', '"123"'));
    const bad = await cli(['commission', '--tcp', `127.0.0.1:${tcp}`, '--answers', join(tmp, 'bad.yaml'), '--out', join(tmp, 'y.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/answers file .*bad\.yaml: venue\.adminCode: expected the 12-digit administrative division code/);
  }, 60_000);
});
