// `jiuxiao-gateway run --config FILE`: the gateway. Polls, detects, acts, keeps state; logs every event
// as a JSON line (as a line of words on a terminal). Stops cleanly on SIGTERM/SIGINT: every gas valve
// closed, every other output left as the alarms demand (a fan ventilating a gas leak stays on), state saved.

import { parseArgs } from 'node:util';
import { serveControl } from '../control/socket.js';
import { createLogger, journaldStdout, type Logger } from '../log/logger.js';
import { RecentLines } from '../log/recent.js';
import { GatewayService, type StopReport } from '../service.js';
import { claimDataDir } from '../storage/data-dir.js';
import { SystemdNotify } from '../systemd/notify.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from '../../config/package-version.js';
import type { Config, LoadResult, RiskAssessment } from '../../config/index.js';
import type { ConfigOffer, UpdateOffer } from '../control/port.js';
import { ConfigKeeper, configEvent, type Acting } from '../fleet/config-keeper.js';
import { ConfigStore, sha256Of, type ConfigEntry } from '../fleet/config-store.js';
import { InstallRoot, ownBundle } from '../fleet/install-root.js';
import { trustedKeys } from '../fleet/release.js';
import { UpdateKeeper, type UpdateHooks } from '../fleet/update-keeper.js';
import { langOf } from '../i18n/i18n.js';
import { loadConfigAside, type LoadedConfig } from './config-thread.js';
import { EXIT, parseOrUsage, UsageError, type CliIo } from './io.js';

const RUN_USAGE = `Usage: jiuxiao-gateway run --config FILE

Runs the gateway: polls the devices, decides normal/warning/alarm/fault, drives the outputs, keeps the
state across restarts, and forwards alarms, events, telemetry and heartbeats over MQTT from a durable
outbox (nothing committed is lost). Environment: JX_MQTT_URL, JX_MQTT_USERNAME, JX_MQTT_PASSWORD and
JX_DATA_DIR win over the file. Refuses to start on a config that check-config rejects. Local control (reset,
status) through a socket in the data directory. Stops on SIGTERM or SIGINT.
`;

const RUN_USAGE_ZH = `用法：jiuxiao-gateway run --config FILE

运行网关：轮询设备，判断正常/预警/报警/故障，驱动输出，重启后保持状态，并从持久化的待发队列经 MQTT
上报报警、事件、遥测和心跳（已记录的不会丢失）。环境变量 JX_MQTT_URL、JX_MQTT_USERNAME、JX_MQTT_PASSWORD
和 JX_DATA_DIR 优先于配置文件。配置未通过 check-config 时拒绝启动。本地控制（复位、状态）经数据目录中的
套接字进行。收到 SIGTERM 或 SIGINT 时停止。
`;

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('run', () =>
    parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }),
  );
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? RUN_USAGE_ZH : RUN_USAGE);
    return EXIT.ok;
  }
  if (v.config === undefined) throw new UsageError('run: --config FILE is required');
  // Signals are caught from the first moment (before the config is even read): one during start-up is
  // kept and acted on once the start has finished (start is bounded: one attempt per bus, the uplink in
  // the background). A second SIGTERM/SIGINT exits at once.
  let log: Logger | undefined;
  let signals = 0;
  let signalled: () => void = () => undefined;
  const signal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (name: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log?.warn({ signal: name }, 'second signal: exiting at once, without the clean stop');
      process.exit(EXIT.invalid);
    }
    log?.info({ signal: name }, 'stopping: outputs left as the alarms demand (valves closed), state saved, outbox flushed as far as the broker allows');
    signalled();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const unhook = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  const { loaded, builtinProfiles, fallback } = await loadConfigAside(v.config, io.env);
  if (loaded.status !== 'ok' || !loaded.config) {
    unhook();
    const { humanReport } = await import('./check-config.js');
    io.stderr(humanReport(loaded, langOf(io.env)));
    return loaded.status === 'invalid' ? EXIT.invalid : EXIT.usage;
  }
  const config = loaded.config;
  // A person at a terminal reads words; systemd's journal and a pipe get JSON lines, unless the config says.
  const pretty = config.log.pretty ?? process.stdout.isTTY === true;
  // Under systemd the journal stamps each line: no second timestamp in it.
  const time = !journaldStdout(io.env);
  // The last lines stay in memory too, for remote diagnostics (`get-logs`).
  const recent = new RecentLines();
  log = createLogger({ level: config.log.level, pretty, time, name: 'gateway', timeZone: config.gateway.timeZone, recent });
  for (const w of loaded.warnings) log.warn({ path: w.path, line: w.line }, w.message);
  if (fallback) log.warn({ reason: fallback }, 'config read on the main thread (its own thread failed): the schema stays in memory');
  // Whatever the shell's umask, what the gateway makes is not for other users to read (issue 21).
  process.umask(0o027);
  claimLogged(config.gateway.dataDir, log);
  const logSettings = { level: config.log.level, pretty, time, timeZone: config.gateway.timeZone };
  const runLog = log;

  // Which config runs: the installer's file, or the platform's config standing in for it (gateway/fleet/).
  const fleet = await runningConfig(v.config, io.env, loaded, builtinProfiles, runLog);
  let current: LoadedConfig = fleet.loaded;

  let service: GatewayService | undefined;
  // Software from the platform: only a gateway installed from a release bundle takes it (gateway/fleet/).
  let restartCode: number | undefined;
  const updater = softwareUpdates({
    log: runLog,
    hooks: {
      acting: () => acting(service as GatewayService),
      alarmStanding: () => {
        const c = service?.runtime.status().channels.find((x) => x.state === 'alarm');
        return c ? `${c.device}/${c.channel}` : null;
      },
      get uplinkConfigured() {
        return current.loaded.config?.uplink !== undefined;
      },
      report: (body) => service?.report('update', body),
      blocked: () =>
        keeper?.current.state === 'probation' ? `config ${keeper.current.version} is on probation: offer the update when it is kept or rolled back` : null,
      restart: (why) => {
        restartCode = EXIT.restart;
        runLog.info({ why }, 'stopping to restart: outputs held as the alarms demand');
        signalled();
      },
    },
  });
  let control: Awaited<ReturnType<typeof serveControl>> | undefined;
  const notify = new SystemdNotify({ env: io.env, log, liveness: () => service?.liveness() ?? null });
  /** Starts a service on a config, with its control socket. The recorder (SQLite, MQTT) runs on its own
   *  thread: a stalled SD card must not stall polling and the outputs. */
  const startService = async (c: LoadedConfig): Promise<void> => {
    const cfg = c.loaded.config as Config;
    const s = new GatewayService(cfg, c.loaded.risk as RiskAssessment, {
      profiles: { ...c.builtinProfiles, ...cfg.profiles },
      log: runLog,
      logSettings,
      ...(keeper ? { applyConfig: (offer: ConfigOffer) => (keeper as ConfigKeeper).offer(offer) } : {}),
      update: async (offer: UpdateOffer) =>
        typeof updater === 'string' ? { ok: false, reason: `no software from the platform: ${updater}` } : updater.offer(offer),
      diagnostics: async () => {
        const e = keeper?.current ?? fleet.entry;
        return {
          logs: recent.last(500),
          config: e ? { n: e.n, version: e.version, sha256: e.sha256, by: e.by, state: e.state } : null,
          ...(service ? { status: service.runtime.status() } : {}),
          ...(typeof updater === 'string' ? {} : { update: updater.status() }),
        };
      },
    });
    service = s;
    await s.start();
    try {
      control = await serveControl(s.port, cfg.gateway.dataDir, () => s.snapshot());
    } catch (err) {
      // Local reset and status need it; polling and linkage do not.
      runLog.error(
        { err: { message: (err as Error).message } },
        'local control socket not available: reset, status and maintenance from the CLI will not work',
      );
    }
  };
  let switching: Promise<void> = Promise.resolve();
  const keeper: ConfigKeeper | undefined = fleet.store
    ? new ConfigKeeper({
        siteText: fleet.siteText,
        store: fleet.store,
        log: runLog,
        running: { config: current.loaded.config as Config, entry: fleet.entry as ConfigEntry, builtinProfiles: current.builtinProfiles },
        hooks: {
          load: (text) => loadConfigAside(v.config as string, io.env, text),
          switchTo: (next, entry) => {
            const run = async () => {
              runLog.info({ version: entry.version, n: entry.n }, 'switching config: stopping the service (outputs held as the alarms demand)');
              const report = await (service as GatewayService).stop(2000, true);
              control?.close();
              runLog.info({ stop: report }, stopLine(report, current.loaded.config?.uplink !== undefined));
              current = next;
              await startService(next);
            };
            switching = switching.then(run);
            return switching;
          },
          acting: () => acting(service as GatewayService),
          report: (body) => service?.report('config', body),
          blocked: () => (typeof updater !== 'string' && updater.busy ? 'a software update is under way: offer the config when it is over' : null),
        },
      })
    : undefined;
  try {
    await startService(current);
  } catch (err) {
    log.fatal({ err }, 'gateway failed to start');
    if (service) log.info(stopLine(await service.stop(), config.uplink !== undefined));
    unhook();
    return EXIT.invalid;
  }
  for (const body of fleet.reports) service?.report('config', body);
  keeper?.resume();
  if (typeof updater !== 'string') updater.atStart();
  const running = current.loaded.config as Config;
  notify.ready(`running: ${running.devices.length} devices, venue ${running.venue.id}`);
  log.info(
    {
      gateway: running.gateway.id,
      venue: running.venue.id,
      risk: current.loaded.risk?.colour,
      dataDir: running.gateway.dataDir,
      config: fleet.entry ? { n: fleet.entry.n, version: fleet.entry.version, by: fleet.entry.by, state: fleet.entry.state } : null,
      statusPage: service?.statusUrl ?? null,
      troubles: service?.troubles ?? [],
    },
    'gateway running',
  );
  await signal;
  notify.stopping();
  // Whatever the broker or the disk does, the process ends well inside systemd's TimeoutStopSec=20.
  const hard = setTimeout(() => {
    log.fatal('stop took over 15 s: exiting without finishing it');
    process.exit(EXIT.invalid);
  }, 15_000);
  hard.unref();
  keeper?.stop();
  if (typeof updater !== 'string') updater.stop();
  await switching.catch(() => undefined);
  const report = await (service as GatewayService).stop();
  clearTimeout(hard);
  control?.close();
  unhook();
  log.info({ stop: report }, stopLine(report, current.loaded.config?.uplink !== undefined));
  // Everything is closed; should a library still hold a handle open, do not linger on it.
  setTimeout(() => process.exit(restartCode ?? process.exitCode ?? EXIT.ok), 2000).unref();
  return restartCode ?? EXIT.ok;
}

/** The update keeper of a gateway installed from a release bundle, or why this one takes no software. */
function softwareUpdates(o: { log: Logger; hooks: UpdateHooks }): UpdateKeeper | string {
  const bundle = ownBundle();
  const root = InstallRoot.around(bundle);
  if (typeof root === 'string') return root;
  return new UpdateKeeper({ root, keys: trustedKeys(join(bundle, 'keys')), version: packageVersion(), arch: process.arch, log: o.log, hooks: o.hooks });
}

/** Whether the running service does its job: every device answered, every output at its demand. */
function acting(s: GatewayService): Acting {
  const st = s.runtime.status();
  const silent = st.devices.filter((d) => d.online !== true);
  const off = Object.entries(st.outputs).filter(([, o]) => !o.ok || o.level !== o.desired);
  const why = [
    ...silent.map((d) => `device ${d.id} not answering${d.online === false ? ` (${d.lastReason})` : ''}`),
    ...off.map(([id, o]) => `output ${id} not confirmed${o.detail ? ` (${o.detail})` : ''}`),
  ].join('; ');
  return { ok: silent.length === 0 && off.length === 0, why, uplinkConnected: s.snapshot().uplink.connected };
}

/**
 * The config to run and its place in the history (dataDir/configs). A config from the platform still on
 * probation after a restart goes back before the start when the box keeps crashing on it (3 starts) or
 * its time is over; what that did is reported once the service runs.
 */
async function runningConfig(
  file: string,
  env: NodeJS.ProcessEnv,
  site: LoadResult,
  builtinProfiles: LoadedConfig['builtinProfiles'],
  log: Logger,
): Promise<{ loaded: LoadedConfig; store?: ConfigStore; entry?: ConfigEntry; siteText: string; reports: Record<string, unknown>[] }> {
  const siteLoaded: LoadedConfig = { loaded: site, builtinProfiles };
  const reports: Record<string, unknown>[] = [];
  let siteText: string;
  let store: ConfigStore;
  let text: string;
  let entry: ConfigEntry;
  try {
    siteText = readFileSync(file, 'utf8');
    store = new ConfigStore((site.config as Config).gateway.dataDir);
    ({ text, entry } = store.resolve(siteText));
    if (entry.by === 'site') return { loaded: siteLoaded, store, entry, siteText, reports };
    if (entry.state === 'probation') {
      const counted = store.countStart(entry.n) ?? entry;
      const starts = counted.probation?.starts ?? 0;
      const over = Date.now() > (counted.probation?.deadline ?? 0);
      if (starts > 3 || over) {
        const reason = over ? 'its probation ran out across a restart' : `the box restarted ${starts - 1} times on it`;
        store.settle(entry.n, 'rolled-back', reason);
        reports.push(configEvent(entry, 'rolled-back', reason));
        log.warn({ version: entry.version, n: entry.n, reason }, 'config rolled back at start');
        const back = store.previousKept(entry.n);
        if (!back || back.by === 'site') return { loaded: siteLoaded, store, entry: store.resolve(siteText).entry, siteText, reports };
        entry = store.restore(back, sha256Of(siteText), `rolled back from ${entry.version}: ${reason}`);
        text = store.text(entry);
      }
    }
  } catch (err) {
    // A full or read-only data directory: the installer's file runs, and nothing is taken from the platform.
    log.error({ err: { message: (err as Error).message } }, 'config history unusable: the installer file runs, configs from the platform are refused');
    return { loaded: siteLoaded, siteText: '', reports };
  }
  const loaded = await loadConfigAside(file, env, text);
  if (loaded.loaded.status !== 'ok' || !loaded.loaded.config) {
    log.error(
      { version: entry.version, n: entry.n, errors: loaded.loaded.errors.map((e) => e.message) },
      "the platform's config no longer loads: the installer file runs",
    );
    return { loaded: siteLoaded, store, entry: store.resolve(siteText).entry, siteText, reports };
  }
  log.info({ version: entry.version, n: entry.n, state: entry.state }, 'running the config from the platform (it stands in for the installer file)');
  return { loaded, store, entry, siteText, reports };
}

/** The last line of a run: what the stop did and did not do, never more than it did. */
function stopLine(r: StopReport, uplink: boolean): string {
  const outputs =
    r.outputs === 'held'
      ? 'outputs as the alarms demand, valves closed'
      : r.outputs === 'not started'
        ? 'outputs never driven'
        : `outputs NOT confirmed: ${r.outputs.map((o) => `${o.output} (${o.detail})`).join(', ')}`;
  const state = r.stateSaved ? 'state saved' : `state NOT saved${r.storageError ? ` (${r.storageError})` : ''}`;
  if (!uplink) return `gateway stopped in ${r.ms} ms: ${outputs}, ${state}, no uplink configured`;
  const outbox = r.outboxFlushed ? 'outbox flushed' : Number.isNaN(r.backlog) ? 'outbox unreadable' : `${r.backlog} messages kept for the next start`;
  const offline = r.restarting
    ? 'status left online (starting again at once)'
    : r.offlinePublished
      ? 'status offline published'
      : 'status offline NOT published (the broker publishes the will)';
  return `gateway stopped in ${r.ms} ms: ${outputs}, ${state}, ${outbox}, ${offline}`;
}

/**
 * The data directory, claimed before anything opens it, said once at start. A refused one is not a reason
 * to stop acting: the stores fall back to memory and the status page says why (invariant 6).
 */
function claimLogged(dir: string, log: Logger): void {
  try {
    const c = claimDataDir(dir);
    if (c.created) log.info({ dataDir: dir }, 'data directory made (mode 0750)');
    if (c.tightened.length) log.warn({ dataDir: dir, tightened: c.tightened }, 'data directory: taken away what other users could read');
  } catch (err) {
    log.error(
      { dataDir: dir, code: (err as { code?: string }).code, reason: (err as Error).message },
      'data directory refused: running without saved state, the outbox in memory, no local control socket',
    );
  }
}
