// `jiuxiao-gateway run --config FILE`: the gateway. Polls, detects, acts, keeps state; logs every event
// as a JSON line (as a line of words on a terminal). Stops cleanly on SIGTERM/SIGINT: every gas valve
// closed, every other output left as the alarms demand (a fan ventilating a gas leak stays on), state saved.

import { parseArgs } from 'node:util';
import { serveControl } from '../control/socket.js';
import { createLogger, journaldStdout, type Logger } from '../log/logger.js';
import { GatewayService, type StopReport } from '../service.js';
import { claimDataDir } from '../storage/data-dir.js';
import { SystemdNotify } from '../systemd/notify.js';
import type { RiskAssessment } from '../../config/index.js';
import { langOf } from '../i18n/i18n.js';
import { loadConfigAside } from './config-thread.js';
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
  log = createLogger({ level: config.log.level, pretty, time, name: 'gateway', timeZone: config.gateway.timeZone });
  for (const w of loaded.warnings) log.warn({ path: w.path, line: w.line }, w.message);
  if (fallback) log.warn({ reason: fallback }, 'config read on the main thread (its own thread failed): the schema stays in memory');
  // Whatever the shell's umask, what the gateway makes is not for other users to read (issue 21).
  process.umask(0o027);
  claimLogged(config.gateway.dataDir, log);
  // The recorder (SQLite, MQTT) on its own thread: a stalled SD card must not stall polling and the outputs.
  const service = new GatewayService(config, loaded.risk as RiskAssessment, {
    profiles: { ...builtinProfiles, ...config.profiles },
    log,
    logSettings: { level: config.log.level, pretty, time, timeZone: config.gateway.timeZone },
  });
  try {
    await service.start();
  } catch (err) {
    log.fatal({ err }, 'gateway failed to start');
    log.info(stopLine(await service.stop(), config.uplink !== undefined));
    unhook();
    return EXIT.invalid;
  }
  let control: Awaited<ReturnType<typeof serveControl>> | undefined;
  try {
    control = await serveControl(service.port, config.gateway.dataDir, () => service.snapshot());
  } catch (err) {
    // Local reset and status need it; polling and linkage do not.
    log.error({ err: { message: (err as Error).message } }, 'local control socket not available: reset, status and maintenance from the CLI will not work');
  }
  const notify = new SystemdNotify({ env: io.env, log, liveness: () => service.liveness() });
  notify.ready(`running: ${config.devices.length} devices, venue ${config.venue.id}`);
  log.info(
    {
      gateway: config.gateway.id,
      venue: config.venue.id,
      risk: loaded.risk?.colour,
      dataDir: config.gateway.dataDir,
      statusPage: service.statusUrl ?? null,
      troubles: service.troubles,
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
  const report = await service.stop();
  clearTimeout(hard);
  control?.close();
  unhook();
  log.info({ stop: report }, stopLine(report, config.uplink !== undefined));
  // Everything is closed; should a library still hold a handle open, do not linger on it.
  setTimeout(() => process.exit(process.exitCode ?? EXIT.ok), 2000).unref();
  return EXIT.ok;
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
  const offline = r.offlinePublished ? 'status offline published' : 'status offline NOT published (the broker publishes the will)';
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
