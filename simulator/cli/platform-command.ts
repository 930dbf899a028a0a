// `jiuxiao-sim platform`: the reference county platform with its console, until SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { ConsoleServer } from '../platform/console.js';
import { DEFAULT_ESCALATION } from '../platform/cases.js';
import { DispatchPlan } from '../platform/departments.js';
import { Platform } from '../platform/platform.js';
import { brokerUrl, simFlags, SimUsageError, wholeFlag } from './devices-command.js';

const PLATFORM_USAGE = `Usage: jiuxiao-sim platform --url MQTT_URL [--http PORT] [--host ADDR] [--token TOKEN] [--data DIR]
                           [--protocol 5|4] [--group NAME] [--prefix jx/v1/] [--escalate-after MIN]
                           [--plan FILE] [--releases DIR] [--releases-url URL] [--configs DIR]

The reference county platform (seed, Art. 8): receives what the gateways publish, checks it against the
contract, turns alarms into cases (township → county centre → department → closed, fed back), and serves
its console (Chinese and English) with a JSON API.

  --url MQTT_URL        the broker (mqtt://, mqtts://, ws://)
  --http PORT           console and API port (default 8090; 0: any free port)
  --host ADDR           address the console binds (default 127.0.0.1; beyond loopback --token is required)
  --token TOKEN         console token (Bearer, or the password of HTTP Basic)
  --data DIR            where platform.db lives (default ./.jiuxiao-platform); replicas share it
  --protocol 5|4        MQTT 5 with a shared subscription (default), or 3.1.1 (plain; e.g. aedes)
  --group NAME          the shared subscription's group (default platform)
  --prefix P            topic prefix before the gateway id (default jx/v1/)
  --escalate-after MIN  a case not closed this long goes to the county centre (default ${DEFAULT_ESCALATION.openMinutes})
  --plan FILE           dispatch plan overrides, JSON: {"leads": {CATEGORY: DEPT}, "cooperating": {KIND: [DEPT]}}
  --releases DIR        signed release bundles (NAME.tar.gz + NAME.release.json) served under /releases/ for
                        software rollouts from the console
  --releases-url URL    where the boxes fetch them (default: the console's own address + releases/)
  --configs DIR         the county's copy of each box's config (GW-ID.yaml): config rollouts from the console
                        change them and offer each box its own (apply-config); a kept one is written back
`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function platformCommand(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(PLATFORM_USAGE);
    return 0;
  }
  const v = simFlags(argv, {
    url: { type: 'string' },
    http: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    data: { type: 'string' },
    protocol: { type: 'string' },
    group: { type: 'string' },
    prefix: { type: 'string' },
    'escalate-after': { type: 'string' },
    plan: { type: 'string' },
    releases: { type: 'string' },
    'releases-url': { type: 'string' },
    configs: { type: 'string' },
  });
  const url = brokerUrl(v.url);
  const port = wholeFlag('http', v.http, 8090, 65535);
  const host = v.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !v.token) throw new SimUsageError(`--host ${host} is beyond loopback: give --token, or people on the network can close cases`);
  if (v.protocol !== undefined && v.protocol !== '4' && v.protocol !== '5') throw new SimUsageError(`--protocol is 5 or 4, got "${v.protocol}"`);
  const openMinutes = wholeFlag('escalate-after', v['escalate-after'], DEFAULT_ESCALATION.openMinutes, 7 * 24 * 60);
  if (openMinutes < 1) throw new SimUsageError('--escalate-after is at least 1 minute');
  let plan = new DispatchPlan();
  if (v.plan !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(v.plan, 'utf8'));
    } catch (err) {
      throw new SimUsageError(`--plan ${v.plan}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    try {
      plan = new DispatchPlan(raw as never);
    } catch (err) {
      const issues = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? [];
      throw new SimUsageError(
        `--plan ${v.plan}: ${issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`).join('; ') || (err as Error).message}`,
      );
    }
  }
  const platform = new Platform({
    url,
    dataDir: v.data ?? '.jiuxiao-platform',
    protocolVersion: v.protocol === '4' ? 4 : 5,
    ...(v.group !== undefined ? { group: v.group } : {}),
    ...(v.prefix !== undefined ? { prefix: v.prefix } : {}),
    escalation: { ...DEFAULT_ESCALATION, openMinutes },
    plan,
  });
  platform.on('change', (c) => {
    if (c.what !== 'gateway' || /offline|inspected/.test(c.text)) io.stdout(`${new Date(c.at).toISOString()} ${c.text}\n`);
  });
  if (v['releases-url'] !== undefined && !/^https?:\/\/.+\/$/.test(v['releases-url']))
    throw new SimUsageError(`--releases-url is an http(s) URL ending in /, got "${v['releases-url']}"`);
  const web = new ConsoleServer(platform, { host, port, token: v.token, releases: v.releases, releasesUrl: v['releases-url'], configs: v.configs });
  try {
    await Promise.race([
      platform.start(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer from ${url} within 10 s`)), 10_000).unref()),
    ]);
    await web.start();
  } catch (err) {
    io.stderr(`jiuxiao-sim platform: ${(err as Error).message}\n`);
    await web.stop();
    await platform.stop();
    return 1;
  }
  io.stdout(`platform on ${url} (${v.protocol === '4' ? 'MQTT 3.1.1, plain subscription' : `MQTT 5, shared group ${v.group ?? 'platform'}`})\n`);
  io.stdout(`console ${web.url ?? ''} · API ${web.url ?? ''}api/overview\n`);
  io.stdout('ready\n');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await web.stop();
  await platform.stop();
  return 0;
}
