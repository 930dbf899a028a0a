// The container image, built for real from the top-level Dockerfile and run: the gateway inside it polls
// the simulated venue and talks to a Mosquitto broker on the host's loopback, a gas leak comes out as an
// alarm at the broker and closes the valve, the image's own HEALTHCHECK command answers, and SIGTERM stops
// it cleanly. No registry is needed: the base is made by deploy/container/make-base.sh (debootstrap +
// Node 22 from the npm registry) and cached in podman's store between runs. Where podman, buildah,
// debootstrap or root are missing, the tests are skipped with the reason in their names.
//
// How it runs here (docs/architecture.md, library behaviours): `podman build --isolation=chroot`, and `buildah run
// --isolation chroot` instead of `podman run` (which fails on cgroups), with a CONTAINERS_CONF that drops
// the default ulimits and the pids limit. Chroot isolation shares the host's network: 127.0.0.1 is the
// host's loopback, where the simulator and the broker listen.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimConfigSchema } from '../../simulator/config.js';
import { runSimulator, type RunningSim } from '../../simulator/run.js';
import { startBroker, type Broker } from '../helpers/mosquitto.js';
import { listen } from '../helpers/mqtt-listener.js';
import { freePort } from '../helpers/net.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BASE = 'localhost/jx-base:node22-bookworm';
const IMAGE = 'localhost/jiuxiao-gateway:test';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Why the image cannot be built and run on this machine, or undefined if it can. */
function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (debootstrap and chroot isolation need root)';
  for (const tool of ['podman', 'buildah', 'debootstrap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install --no-install-recommends ${tool})`;
  }
  return undefined;
}
const skip = cannotRun();
if (skip) console.warn(`container image tests skipped: ${skip}`);

const tmp = mkdtempSync(join(tmpdir(), 'jx-image-'));
const env = { ...process.env, CONTAINERS_CONF: join(tmp, 'containers.conf') };
writeFileSync(env.CONTAINERS_CONF, '[containers]\ndefault_ulimits = []\npids_limit = 0\n');
const containers: string[] = [];
const children = new Set<ChildProcess>();

/** Runs a command to completion with the container settings; fails with its output if it fails. */
function must(cmd: string, args: string[], timeoutMs = 600_000): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  return r.stdout;
}

/** The same, without blocking this process: the simulator the gateway polls runs in it, and a
 *  synchronous `buildah run` of a few seconds would stall it (the gateway then sees its devices stop
 *  answering, rightly closes the valve on the gas detector's fault, and the test reads that as a failure). */
function runAsync(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A fresh working container of the image, removed at the end. */
function container(): string {
  const name = `jx-test-${process.pid}-${containers.length}`;
  must('buildah', ['from', '--name', name, IMAGE]);
  containers.push(name);
  return name;
}

/** The pid of a gateway run in a container, found by the JX_STATUS_PORT given to it: buildah's chroot
 *  runner detaches (its parent becomes pid 1), so the process is not among buildah's descendants. */
function gatewayPid(statusPort: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmd[0]?.endsWith('/node') || !cmd.includes('run')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`JX_STATUS_PORT=${statusPort}`)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
const runningPorts = new Set<number>();

afterAll(async () => {
  // A gateway left running by a failed test: stop it by its own pid (buildah does not pass signals on).
  for (const port of runningPorts) {
    const pid = gatewayPid(port);
    if (pid) process.kill(pid, 'SIGKILL');
  }
  for (const c of children) c.kill('SIGKILL');
  for (const name of containers) spawnSync('buildah', ['rm', name], { env });
  rmSync(tmp, { recursive: true, force: true });
});

interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  Volumes?: Record<string, unknown>;
  StopSignal?: string;
}
/** What `podman image inspect` says of an image (the health check sits beside Config, not in it). */
interface Inspected {
  Config: ImageConfig;
  Healthcheck?: { Test?: string[]; Interval?: number };
}

describe.skipIf(skip !== undefined)(`the container image${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let built: { seconds: number; baseMade: boolean };
  beforeAll(() => {
    const t0 = performance.now();
    // The base is cached in podman's store: made once per machine (about a minute), then reused.
    const baseMade = spawnSync('podman', ['image', 'exists', BASE], { env }).status !== 0;
    if (baseMade) must('bash', [join(ROOT, 'deploy/container/make-base.sh'), BASE]);
    // The build's npm ci goes through whatever TLS inspection this machine's network does: its CA bundle
    // goes in as a build secret (not into any layer).
    const secret = existsSync(CA_BUNDLE) ? ['--secret', `id=npm_ca,src=${CA_BUNDLE}`] : [];
    must('podman', ['build', '--isolation=chroot', '--format', 'docker', '--build-arg', `BASE=${BASE}`, ...secret, '-t', IMAGE, ROOT]);
    built = { seconds: (performance.now() - t0) / 1000, baseMade };
    console.log(`container image built in ${built.seconds.toFixed(0)} s${baseMade ? ' (base made by debootstrap)' : ' (cached base)'}`);
  }, 1_200_000);

  it('runs as a non-root user in dialout, with the health check, stop signal, volume and config path the docs give', () => {
    const [inspect] = JSON.parse(must('podman', ['image', 'inspect', IMAGE])) as Inspected[];
    const cfg = inspect!.Config;
    expect(cfg.User).toBe('jiuxiao');
    expect(cfg.Entrypoint).toEqual(['node', '/opt/jiuxiao-gateway/dist/gateway/cli/main.js']);
    expect(cfg.Cmd).toEqual(['run', '--config', '/etc/jiuxiao-gateway/gateway.yaml']);
    expect(Object.keys(cfg.Volumes ?? {})).toEqual(['/var/lib/jiuxiao-gateway']);
    expect(cfg.StopSignal).toBe('SIGTERM');
    expect(inspect!.Healthcheck?.Test?.[0]).toBe('CMD');
    expect(inspect!.Healthcheck?.Interval).toBe(30e9);
    const c = container();
    expect(must('buildah', ['run', '--isolation', 'chroot', c, '--', 'id'])).toMatch(/^uid=\d+\(jiuxiao\) gid=\d+\(jiuxiao\) groups=.*\(dialout\)/);
    // Node 22 LTS, and the native modules load (compiled in the build stage for this architecture).
    expect(must('buildah', ['run', '--isolation', 'chroot', c, '--', 'node', '--version'])).toMatch(/^v22\./);
    const natives = must('buildah', [
      'run',
      '--isolation',
      'chroot',
      c,
      '--',
      'node',
      '-e',
      "const D=require('better-sqlite3');new D(':memory:').exec('select 1');require('@serialport/bindings-cpp');require('onoff');console.log('natives ok')",
    ]);
    expect(natives.trim()).toBe('natives ok');
    // Without a config mounted, the gateway says which file it misses and exits 2.
    const r = spawnSync(
      'buildah',
      [
        'run',
        '--isolation',
        'chroot',
        c,
        '--',
        'node',
        '/opt/jiuxiao-gateway/dist/gateway/cli/main.js',
        'run',
        '--config',
        '/etc/jiuxiao-gateway/gateway.yaml',
      ],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/etc\/jiuxiao-gateway\/gateway\.yaml.*(no such file|cannot read)/);
  });

  it('the gateway in the image turns a gas leak into an alarm at the broker and closes the valve; healthy; stops on SIGTERM', async () => {
    const [tcp, rtu, statusPort] = [await freePort(), await freePort(), await freePort()];
    let sim: RunningSim | undefined;
    let broker: Broker | undefined;
    let platform: Awaited<ReturnType<typeof listen>> | undefined;
    try {
      sim = await runSimulator(
        SimConfigSchema.parse({
          servers: [
            {
              type: 'tcp',
              port: tcp,
              devices: [
                { id: 'kitchen-gas', profile: 'gas-lel', slaveId: 1 },
                { id: 'kitchen-smoke', profile: 'smoke', slaveId: 2 },
                { id: 'kitchen-panel', profile: 'electrical-fire', slaveId: 3 },
                { id: 'relays', profile: 'relay', slaveId: 9 },
              ],
            },
            { type: 'rtu-over-tcp', port: rtu, devices: [{ id: 'main-panel', profile: 'acrel-asj', slaveId: 1 }] },
          ],
        }),
      );
      broker = await startBroker();
      platform = await listen(broker.url, 'jx/v1/GW-DEMO-0001/#');
      const dev = (id: string) => sim!.devices.find((d) => d.id === id)!;
      const valveOpen = () => dev('relays').snapshot()['coil-0'];

      // The demo venue's config, pointed at this run's ports, mounted read-only at /etc/jiuxiao-gateway;
      // the data volume owned by the image's user.
      const etc = join(tmp, 'etc');
      const data = join(tmp, 'data');
      mkdirSync(etc);
      mkdirSync(data);
      const uid = Number(must('buildah', ['run', '--isolation', 'chroot', container(), '--', 'id', '-u']).trim());
      chownSync(data, uid, uid);
      writeFileSync(
        join(etc, 'gateway.yaml'),
        readFileSync(join(ROOT, 'config/examples/simulated-venue.yaml'), 'utf8')
          .replace('port: 15020', `port: ${tcp}`)
          .replace('port: 15021', `port: ${rtu}`)
          .replace('dataDir: ./.jiuxiao-demo', 'dataDir: /var/lib/jiuxiao-gateway')
          .replace(/pollIntervalMs: \d+/g, 'pollIntervalMs: 250')
          .replace('url: mqtt://127.0.0.1:1883', `url: ${broker.url}`)
          .replace('port: 15088', `port: ${statusPort}`),
      );

      const c = container();
      // `buildah run` mounts the image's VOLUME over a -v bind to the same place (docker and podman run
      // let the bind win): drop the volume from this working container so the data lands in `data`.
      must('buildah', ['config', '--volume', '/var/lib/jiuxiao-gateway-', c]);
      const mounts = ['-v', `${etc}:/etc/jiuxiao-gateway:ro`, '-v', `${data}:/var/lib/jiuxiao-gateway`];
      const gw = spawn(
        'buildah',
        [
          'run',
          '--isolation',
          'chroot',
          '--env',
          `JX_STATUS_PORT=${statusPort}`,
          ...mounts,
          c,
          '--',
          'node',
          '/opt/jiuxiao-gateway/dist/gateway/cli/main.js',
          'run',
          '--config',
          '/etc/jiuxiao-gateway/gateway.yaml',
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.add(gw);
      runningPorts.add(statusPort);
      let out = '';
      gw.stdout.on('data', (d: Buffer) => (out += d.toString()));
      gw.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('gateway running'), 30_000, `gateway running in the container (log so far: ${out.slice(-2000)})`);
      await waitFor(() => platform!.got.some((m) => m.topic.endsWith('/status') && m.payload.includes('online')), 15_000, 'online at the broker');

      // The image's own HEALTHCHECK command, run in the container as Docker would run it.
      const [inspect] = JSON.parse((await runAsync('podman', ['image', 'inspect', IMAGE])).stdout) as Inspected[];
      const test = inspect!.Healthcheck!.Test!.slice(1);
      const health = await runAsync('buildah', ['run', '--isolation', 'chroot', '--env', `JX_STATUS_PORT=${statusPort}`, c, '--', ...test]);
      expect(health.status, health.stderr).toBe(0);

      // The state and the outbox are on the volume, where the host (and a new container) finds them.
      expect(readdirSync(data)).toEqual(expect.arrayContaining(['control.sock', 'outbox.db', 'state.db']));

      // The valve is fail-safe closed at first start, until a local reset on site: `docker exec GW
      // jiuxiao-gateway reset` is a second process in the same container, reaching the gateway through
      // the control socket on the volume.
      await waitFor(() => valveOpen() === false, 10_000, 'valve closed at start');
      await waitFor(() => dev('kitchen-gas').requests > 2, 10_000, 'gas detector polled');
      const reset = await runAsync('buildah', [
        'run',
        '--isolation',
        'chroot',
        ...mounts,
        c,
        '--',
        'jiuxiao-gateway',
        'reset',
        '--config',
        '/etc/jiuxiao-gateway/gateway.yaml',
      ]);
      expect(reset.status, `${reset.stdout}${reset.stderr}`).toBe(0);
      expect(reset.stdout).toMatch(/gas-valve/);
      await waitFor(() => valveOpen() === true, 10_000, `valve reopened by the local reset (reset said: ${reset.stdout.trim()}; log: ${out.slice(-3000)})`);
      dev('kitchen-gas').setBehaviour('gas-leak', performance.now());
      await waitFor(
        () => platform!.got.some((m) => m.topic.endsWith('/alarm') && m.json?.device === 'kitchen-gas' && m.json?.state === 'alarm'),
        40_000,
        'gas alarm at the broker',
      );
      await waitFor(() => valveOpen() === false && dev('relays').snapshot()['coil-1'] === true, 10_000, 'valve closed and fan on by the gas alarm');
      const alarm = platform.got.find((m) => m.topic.endsWith('/alarm') && m.json?.state === 'alarm')!.json!;
      expect(alarm).toMatchObject({ v: 1, gw: 'GW-DEMO-0001', type: 'channel', channel: 'lel', kind: 'gas', unit: '%LEL' });

      // SIGTERM to the gateway in the container (what `docker stop` sends; buildah itself does not pass a
      // signal on, so it goes to the process): safe states, exit 0, and buildah returns with it.
      const exited = new Promise<number | null>((resolve) => gw.once('exit', (code) => resolve(code)));
      const pid = gatewayPid(statusPort);
      expect(pid, 'the gateway process of the container').toBeDefined();
      process.kill(pid!, 'SIGTERM');
      expect(await exited).toBe(0);
      children.delete(gw);
      runningPorts.delete(statusPort);
      expect(out).toMatch(/gateway stopped/);
    } finally {
      await platform?.close();
      await broker?.stop();
      await sim?.close();
    }
  }, 180_000);
});
