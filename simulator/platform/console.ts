// The platform's console and JSON API (node:http). Chinese first, English beside, like the box's page.
//   GET  /                          the console (HTML + /console.js; live through server-sent events)
//   GET  /api/overview              venues, gateways, open cases by township and level, intake, violations
//   GET  /api/cases/NO              one case with its timeline
//   POST /api/cases/NO/acknowledge  {"by"}            → ack-alarm to the gateway
//   POST /api/cases/NO/escalate     {"by","text"}     → county centre, dispatched by the plan
//   POST /api/cases/NO/close        {"by","text"}     → disposition, closed, fed back
//   POST /api/venues/ID/inspected   {"at"?}           → the inspection calendar restarts
//   GET  /api/events                server-sent events: one `change` per thing a person cares about
//   GET  /api/rollouts              config and software rollouts: state, wave, counts per outcome, failure share
//   GET  /api/rollouts/ID           one rollout, with each gateway's state and reason
//   GET  /api/releases              the signed releases in the releases folder (NAME.release.json)
//   POST /api/rollouts              {"release", "waves"?, "ratePerS"?, "failurePct"?, "minAnswered"?,
//                                   "healthS"?, "gateways"?} → a software rollout to the gateways
//                                   named (default: every one online)
//   GET  /api/configs               how many gateways have a config in the configs folder
//   POST /api/rollouts              {"kind": "config", "version", "set": [{"path", "value"}], "probationS"?,
//                                   waves, rate, abort, "gateways"?} → each box's own config (configs
//                                   folder, GW.yaml) with the change, in waves; kept → the copy updated
//   GET  /api/scenarios             the simulated venue's scenarios, when the console runs beside one (demo)
//   POST /api/scenarios/NAME        {}                → starts it on the simulated devices
//   GET  /healthz                   "ok"
//   GET  /releases/FILE             a release bundle from the releases folder, for the boxes' `update`
//                                   (Range honoured; no token: the bundle is public, its signature
//                                   is what a box trusts)
// Bound beyond loopback it needs a token, with the box's rule (Bearer, or Basic with the token as the
// password). Writes take JSON only (a cross-site form cannot send it), and never more than 16 KiB.

import { createReadStream, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { authorized } from '../../gateway/status/status-server.js';
import { CaseError } from './cases.js';
import { editConfig, type ConfigSet } from './config-edit.js';
import { CONSOLE_HTML, CONSOLE_JS } from './console-page.js';
import { SCENARIO_TEXT, SCENARIOS, type ScenarioName } from '../scenarios.js';
import { PlatformError, type Platform, type PlatformChange } from './platform.js';

export interface ConsoleOptions {
  host: string;
  port: number;
  token?: string | undefined;
  /** The demo's simulated venue: its scenarios become buttons. Returns the devices a scenario touched. */
  scenarios?: ((name: ScenarioName) => string[]) | undefined;
  /** The folder of release bundles served under /releases/ (software rollouts). */
  releases?: string | undefined;
  /** Where the boxes fetch them (ends in /); default: this console's own address + releases/. */
  releasesUrl?: string | undefined;
  /** The county's copy of each box's config (GW.yaml): config rollouts from the console edit these. */
  configs?: string | undefined;
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

const ACTIONS = new Set(['acknowledge', 'escalate', 'close']);

export class ConsoleServer {
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();
  /** Bytes of release bundles sent, and the requests: what a software rollout moves. */
  readonly served = { bytes: 0, requests: 0 };
  private readonly onChange = (c: PlatformChange) => {
    const data = `event: change\ndata: ${JSON.stringify({ at: c.at, what: c.what, text: c.text, gw: c.gw ?? null, no: c.case?.no ?? null })}\n\n`;
    for (const s of this.streams) s.write(data);
  };

  constructor(
    private readonly platform: Platform,
    private readonly o: ConsoleOptions,
  ) {}

  get url(): string | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/` : undefined;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(`console not started on ${this.o.host}:${this.o.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use (--http PORT)' : err.message}`),
        ),
      );
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    this.platform.on('change', this.onChange);
  }

  /** A bundle, whole (200) or one byte range of it (206): a box resumes a download chunk by chunk. */
  private sendRelease(req: IncomingMessage, res: ServerResponse, name: string): void {
    const file = join(this.o.releases as string, name);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(`no release ${name}\n`);
      return;
    }
    let start = 0;
    let end = size - 1;
    const range = req.headers.range;
    if (range !== undefined) {
      const r = /^bytes=(\d+)-(\d*)$/.exec(range);
      const a = r ? Number(r[1]) : NaN;
      const b = r && r[2] ? Math.min(Number(r[2]), size - 1) : size - 1;
      if (!r || a > b || a >= size) {
        res.writeHead(416, { ...HEADERS, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      start = a;
      end = b;
    }
    const headers = { ...HEADERS, 'Content-Type': 'application/gzip', 'Accept-Ranges': 'bytes', 'Content-Length': String(end - start + 1) };
    res.writeHead(range !== undefined ? 206 : 200, range !== undefined ? { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` } : headers);
    this.served.requests++;
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on('data', (d) => (this.served.bytes += d.length));
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (code: number, type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(code, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (code: number, value: unknown) => send(code, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 1)}\n`);
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const path = url.pathname;
    if (path === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
    const release = /^\/releases\/([\w.+-]+\.tar\.gz)$/.exec(path);
    if (release && (req.method === 'GET' || req.method === 'HEAD') && this.o.releases) return this.sendRelease(req, res, release[1] as string);
    if (!authorized(req.headers.authorization, this.o.token)) {
      return send(401, 'text/plain; charset=utf-8', 'token required (--token): Authorization: Bearer <token>, or any user name with the token as password\n', {
        'WWW-Authenticate': 'Basic realm="jiuxiao platform", charset="UTF-8"',
      });
    }
    try {
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (path === '/') return send(200, 'text/html; charset=utf-8', CONSOLE_HTML);
        if (path === '/console.js') return send(200, 'text/javascript; charset=utf-8', CONSOLE_JS);
        if (path === '/api/overview') {
          // ?venues=N (default 300) and ?latencySince=ms (the alarm → case figures over a window only)
          const venues = Number(url.searchParams.get('venues') ?? 300);
          const since = Number(url.searchParams.get('latencySince') ?? 0);
          if (!Number.isInteger(venues) || venues < 0 || !Number.isFinite(since))
            return json(400, { error: 'venues is a whole number, latencySince a time in ms' });
          return json(200, this.platform.overview(venues, since));
        }
        if (path === '/api/events') return this.stream(req, res);
        if (path === '/api/rollouts') return json(200, this.platform.rolloutViews());
        if (path === '/api/releases') return json(200, this.releases());
        if (path === '/api/configs') return json(200, { gateways: this.configFiles().length });
        const rollout = /^\/api\/rollouts\/([\w.-]+)$/.exec(path);
        if (rollout) {
          const r = this.platform.rollout(rollout[1] as string);
          return r ? json(200, r) : json(404, { error: `no rollout ${rollout[1]}` });
        }
        if (path === '/api/scenarios') return json(200, this.o.scenarios ? SCENARIOS.map((name) => ({ name, text: SCENARIO_TEXT[name] })) : []);
        const m = /^\/api\/cases\/([A-Za-z0-9-]+)$/.exec(path);
        if (m) {
          const c = this.platform.store.caseByNo(m[1] as string);
          return c ? json(200, c) : json(404, { error: `no case ${m[1]}` });
        }
        return json(404, { error: `nothing at ${path}: try /, /api/overview, /api/cases/NO, /api/events` });
      }
      if (req.method !== 'POST') return json(405, { error: 'GET or POST only' });
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return json(415, { error: 'send JSON (Content-Type: application/json)' });
      const body = await readBody(req);
      const act = /^\/api\/cases\/([A-Za-z0-9-]+)\/([a-z]+)$/.exec(path);
      if (act && ACTIONS.has(act[2] as string)) {
        const by = typeof body.by === 'string' && body.by.trim() ? body.by.trim().slice(0, 64) : null;
        if (!by) return json(400, { error: 'say who acts: {"by": "name"}' });
        const text = typeof body.text === 'string' ? body.text : '';
        return json(200, this.platform.act(act[1] as string, act[2] as 'acknowledge' | 'escalate' | 'close', by, text));
      }
      if (path === '/api/rollouts') return json(200, { id: this.startRollout(body) });
      const sc = /^\/api\/scenarios\/([a-z-]+)$/.exec(path);
      if (sc) {
        if (!this.o.scenarios) return json(404, { error: 'no simulated venue beside this console: scenarios run in the demo (npm run demo)' });
        const name = sc[1] as ScenarioName;
        if (!SCENARIOS.includes(name)) return json(400, { error: `no scenario "${sc[1]}": one of ${SCENARIOS.join(', ')}` });
        return json(200, { scenario: name, devices: this.o.scenarios(name) });
      }
      const insp = /^\/api\/venues\/([^/]+)\/inspected$/.exec(path);
      if (insp) {
        const at = body.at === undefined ? Date.now() : Date.parse(String(body.at));
        if (Number.isNaN(at)) return json(400, { error: `"at" is not a time: ${JSON.stringify(body.at)}` });
        this.platform.inspected(decodeURIComponent(insp[1] as string), at);
        return json(200, { ok: true });
      }
      return json(404, { error: `nothing to POST at ${path}` });
    } catch (err) {
      if (err instanceof CaseError || err instanceof PlatformError || err instanceof BodyError) return json(409, { error: (err as Error).message });
      return json(500, { error: (err as Error).message });
    }
  }

  /** The signed releases beside the bundles: what a software rollout can offer. */
  private releases(): { release: string; version: string; arch: string; size: number }[] {
    if (!this.o.releases) return [];
    const out: { release: string; version: string; arch: string; size: number }[] = [];
    for (const f of readdirSync(this.o.releases)
      .filter((n) => n.endsWith('.release.json'))
      .sort()) {
      try {
        const m = JSON.parse((JSON.parse(readFileSync(join(this.o.releases, f), 'utf8')) as { manifest: string }).manifest) as Record<string, unknown>;
        out.push({ release: f.replace(/\.release\.json$/, ''), version: String(m.version), arch: String(m.arch), size: Number(m.size) });
      } catch {
        // not a signed release: not offered
      }
    }
    return out;
  }

  /** The gateways with a config in the configs folder. */
  private configFiles(): string[] {
    if (!this.o.configs) return [];
    try {
      return readdirSync(this.o.configs)
        .filter((n) => /^[\w.-]+\.yaml$/.test(n))
        .map((n) => n.slice(0, -5))
        .sort();
    } catch {
      return [];
    }
  }

  /** A rollout from the console's form or the API: every setting checked, named when wrong. */
  private startRollout(b: Record<string, unknown>): string {
    const num = (k: string, def: number, min: number, max: number): number => {
      const v = b[k] ?? def;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
        throw new BodyError(`"${k}" is a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return v;
    };
    const waves = b.waves ?? [0.01, 0.1, 1];
    if (!Array.isArray(waves) || !waves.every((w) => typeof w === 'number'))
      throw new BodyError('"waves" is a list of shares rising to 1, e.g. [0.01, 0.1, 1]');
    const common = {
      waves: waves as number[],
      ratePerS: num('ratePerS', 50, 1, 10_000),
      abort: { failurePct: num('failurePct', 5, 0, 100), minAnswered: num('minAnswered', 10, 1, 1_000_000) },
      answerTimeoutS: 60,
    };
    if (b.kind === 'config') return this.startConfigRollout(b, common, num);
    if (b.kind !== undefined && b.kind !== 'software') throw new BodyError(`"kind" is software or config, got ${JSON.stringify(b.kind)}`);
    return this.startSoftwareRollout(b, common, num);
  }

  /** Each box's own config with the operator's change: all computed before the first offer. */
  private startConfigRollout(
    b: Record<string, unknown>,
    common: { waves: number[]; ratePerS: number; abort: { failurePct: number; minAnswered: number }; answerTimeoutS: number },
    num: (k: string, def: number, min: number, max: number) => number,
  ): string {
    const dir = this.o.configs;
    if (!dir) throw new BodyError("no configs folder beside this console (--configs DIR: the county's copy of each box's config)");
    const version = typeof b.version === 'string' && /^[\w.:-]{1,64}$/.test(b.version) ? b.version : null;
    if (!version) throw new BodyError('"version" names this config change (letters, digits, . : - _; at most 64)');
    const sets = b.set;
    if (!Array.isArray(sets) || !sets.length || !sets.every((s) => s && typeof s === 'object' && typeof (s as ConfigSet).path === 'string' && 'value' in s))
      throw new BodyError('"set" is a list of {"path": "devices[kitchen-gas].channels.lel.warning", "value": 8}');
    const known = this.configFiles();
    const gateways = b.gateways === undefined ? known : b.gateways;
    if (!Array.isArray(gateways) || !gateways.length || !gateways.every((g) => typeof g === 'string' && known.includes(g)))
      throw new BodyError(`"gateways" names gateways with a config in the configs folder (${known.length} have one)`);
    const texts = new Map<string, string>();
    for (const gw of gateways as string[]) {
      try {
        texts.set(gw, editConfig(readFileSync(join(dir, `${gw}.yaml`), 'utf8'), sets as ConfigSet[]));
      } catch (err) {
        throw new BodyError(`${gw}: ${(err as Error).message}: nothing offered`);
      }
    }
    try {
      return this.platform.startRollout({
        ...common,
        gateways: gateways as string[],
        version,
        probationS: num('probationS', 60, 10, 600),
        config: (gw) => texts.get(gw) as string,
        // The county's copy follows the box once the box keeps it.
        kept: (gw) => {
          const file = join(dir, `${gw}.yaml`);
          writeFileSync(`${file}.new`, texts.get(gw) as string);
          renameSync(`${file}.new`, file);
        },
      });
    } catch (err) {
      if (err instanceof PlatformError) throw err;
      throw new BodyError((err as Error).message);
    }
  }

  private startSoftwareRollout(
    b: Record<string, unknown>,
    common: { waves: number[]; ratePerS: number; abort: { failurePct: number; minAnswered: number }; answerTimeoutS: number },
    num: (k: string, def: number, min: number, max: number) => number,
  ): string {
    if (!this.o.releases) throw new BodyError('no releases folder beside this console (--releases DIR)');
    const name = typeof b.release === 'string' && /^[\w.+-]+$/.test(b.release) ? b.release : null;
    if (!name) throw new BodyError('"release" names a release of GET /api/releases');
    let signed: { manifest: string; signature: string };
    try {
      signed = JSON.parse(readFileSync(join(this.o.releases, `${name}.release.json`), 'utf8')) as typeof signed;
    } catch {
      throw new BodyError(`no release "${name}" in the releases folder`);
    }
    const gateways = b.gateways === undefined ? [...this.platform.online()].sort() : b.gateways;
    if (!Array.isArray(gateways) || !gateways.length || !gateways.every((g) => typeof g === 'string'))
      throw new BodyError('"gateways" is a list of gateway ids (default: every gateway online; none is online now)');
    const healthS = num('healthS', 45, 20, 300);
    try {
      return this.platform.startUpdateRollout({
        ...common,
        gateways: gateways as string[],
        healthS,
        downloadS: num('downloadS', 600, 10, 86_400),
        release: { ...signed, url: `${this.o.releasesUrl ?? `${this.url ?? '/'}releases/`}${name}.tar.gz` },
      });
    } catch (err) {
      if (err instanceof PlatformError) throw err;
      throw new BodyError((err as Error).message);
    }
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': jiuxiao platform\n\n');
    this.streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      this.streams.delete(res);
    });
  }

  async stop(): Promise<void> {
    this.platform.off('change', this.onChange);
    for (const s of this.streams) s.end();
    this.streams.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

class BodyError extends Error {}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024) throw new BodyError('request body over 16 KiB');
    chunks.push(chunk);
  }
  if (!size) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BodyError('the body must be a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    if (err instanceof BodyError) throw err;
    throw new BodyError(`the body is not JSON: ${(err as Error).message}`);
  }
}
