// `jiuxiao-gateway reset` and `status`: talk to the gateway running on this box, through its control
// socket. A reset here is a local reset, on site: the one way a closed gas valve is reopened.

import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { ask } from '../control/socket.js';
import type { StatusSnapshot } from '../status/snapshot.js';
import { renderStatusText } from '../status/text.js';
import { langOf } from '../i18n/i18n.js';
import { EXIT, langFlag, parseOrUsage, UsageError, type CliIo } from './io.js';

const RESET_USAGE = `Usage: jiuxiao-gateway reset --config FILE [--device ID [--channel NAME] | --valve OUTPUT] [--json]

Local reset (复位) on the box. Without a target: every latched alarm, then every closed gas valve.
A latched alarm is reset only once its condition has cleared; a gas valve is reopened only once every
gas channel is back below its warning level, and is reported open only once its driver confirms it (read
back where the relay can be read); one not confirmed within 5 s is reported with what was seen instead.
Exit 1 when anything was refused or not confirmed, with the reason.
`;

const RESET_USAGE_ZH = `用法：jiuxiao-gateway reset --config FILE [--device ID [--channel NAME] | --valve OUTPUT] [--json]

在网关所在现场复位。不指定对象时：先复位所有锁存的报警，再打开所有已关闭的燃气阀。
锁存的报警只有在报警条件消除后才能复位；燃气阀只有在所有燃气通道都回到预警值以下后才会重新打开，
并且只有在驱动确认（能回读的继电器以回读为准）后才报告为已打开；5 秒内未确认的，报告实际看到的状态。
有任何一项被拒绝或未确认时退出码为 1，并说明原因。
`;

const STATUS_USAGE = `Usage: jiuxiao-gateway status --config FILE [--json] [--lang zh|en]

What the running gateway sees now, as its status page shows it: the worst state, closed gas valves, the
uplink (connected or why not, backlog, alarms the platform has not acknowledged), storage, then channels
with their values, outputs (desired against observed), devices and buses. --json prints the page's
status.json. In Chinese with --lang zh or a Chinese locale (LANG=zh_CN.UTF-8).
`;

const STATUS_USAGE_ZH = `用法：jiuxiao-gateway status --config FILE [--json] [--lang zh|en]

运行中的网关此刻的情况，与状态页一致：最严重的状态、已关闭的燃气阀、上报（是否连接及原因、待发条数、
平台未确认的报警）、存储，然后是各通道及读数、输出（要求与实际）、设备和总线。--json 输出状态页的
status.json。使用 --lang zh 或中文系统语言（LANG=zh_CN.UTF-8）时以中文显示。
`;

export function dataDirOf(command: string, file: string | undefined, io: CliIo): string {
  if (file === undefined) throw new UsageError(`${command}: --config FILE is required (it names the data directory of the running gateway)`);
  const r = loadConfigFile(file, { builtinProfiles: BUILTIN_PROFILES, env: io.env });
  if (!r.config) throw new UsageError(`${command}: ${file} is not a valid config (run check-config)`);
  return r.config.gateway.dataDir;
}

export async function resetCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('reset', () =>
    parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        device: { type: 'string' },
        channel: { type: 'string' },
        valve: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }),
  );
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? RESET_USAGE_ZH : RESET_USAGE);
    return EXIT.ok;
  }
  if (v.channel !== undefined && v.device === undefined) throw new UsageError('reset: --channel goes with --device');
  if (v.valve !== undefined && v.device !== undefined) throw new UsageError('reset: give --device or --valve, not both');
  const dataDir = dataDirOf('reset', v.config, io);
  let a: Record<string, unknown>;
  try {
    a = await ask(dataDir, {
      cmd: 'reset',
      ...(v.device ? { device: v.device } : {}),
      ...(v.channel ? { channel: v.channel } : {}),
      ...(v.valve ? { valve: v.valve } : {}),
    });
  } catch (err) {
    io.stderr(`jiuxiao-gateway reset: ${(err as Error).message}\n`);
    return EXIT.invalid;
  }
  if (v.json) io.stdout(`${JSON.stringify(a)}\n`);
  else {
    if (typeof a.error === 'string') io.stderr(`jiuxiao-gateway reset: ${a.error}\n`);
    const valves = new Map(((a.valves as { output: string; open: boolean; detail: string }[] | undefined) ?? []).map((x) => [x.output, x]));
    for (const t of (a.reset as string[] | undefined) ?? []) {
      const valve = valves.get(t);
      io.stdout(valve ? `reset ${t}: open (${valve.detail})\n` : `reset ${t}\n`);
    }
    for (const r of (a.refused as { target: string; reason: string }[] | undefined) ?? []) io.stdout(`refused ${r.target}: ${r.reason}\n`);
    if (!(a.reset as string[] | undefined)?.length && !(a.refused as unknown[] | undefined)?.length && a.ok) io.stdout('nothing to reset\n');
  }
  return a.ok ? EXIT.ok : EXIT.invalid;
}

export async function statusCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('status', () =>
    parseArgs({
      args: argv,
      options: { config: { type: 'string' }, json: { type: 'boolean' }, lang: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    }),
  );
  if (v.help) {
    io.stdout(langOf(io.env, v.lang === 'zh' || v.lang === 'en' ? v.lang : undefined) === 'zh' ? STATUS_USAGE_ZH : STATUS_USAGE);
    return EXIT.ok;
  }
  const dataDir = dataDirOf('status', v.config, io);
  let a: Record<string, unknown>;
  try {
    a = await ask(dataDir, { cmd: 'status' });
  } catch (err) {
    io.stderr(`jiuxiao-gateway status: ${(err as Error).message}\n`);
    return EXIT.invalid;
  }
  if (a.snapshot !== undefined) {
    const lang = langFlag('status', io.env, v.lang);
    io.stdout(v.json ? `${JSON.stringify(a.snapshot)}\n` : renderStatusText(a.snapshot as StatusSnapshot, lang));
    return EXIT.ok;
  }
  // A gateway that does not offer its page's picture (only the runtime's): the runtime's view.
  const s = a.status as {
    devices: { id: string; online?: boolean; lastReason: string }[];
    channels: { device: string; channel: string; state: string; latched: boolean }[];
    outputs: Record<string, { level: string | null; desired: string | null; ok: boolean; detail?: string }>;
    closedValves: string[];
    storage?: { ok: boolean; lastError: string | null; unrecorded: number; unsaved: boolean };
  };
  if (v.json) {
    io.stdout(`${JSON.stringify(s)}\n`);
    return EXIT.ok;
  }
  io.stdout('devices\n');
  for (const d of s.devices) io.stdout(`  ${d.id.padEnd(20)} ${d.online === undefined ? 'unknown' : d.online ? 'online' : 'OFFLINE'}  ${d.lastReason}\n`);
  io.stdout('channels\n');
  for (const c of s.channels) io.stdout(`  ${`${c.device}/${c.channel}`.padEnd(36)} ${c.state.toUpperCase()}${c.latched ? ' (latched)' : ''}\n`);
  io.stdout('outputs\n');
  for (const [id, o] of Object.entries(s.outputs)) {
    const seen = o.level === o.desired ? (o.level ?? '?') : `${o.level ?? '?'} (demanded ${o.desired ?? '?'})`;
    io.stdout(`  ${id.padEnd(20)} ${seen}${o.ok ? '' : `  FAULT: ${o.detail ?? ''}`}${s.closedValves.includes(id) ? '  (closed: local reset needed)' : ''}\n`);
  }
  if (s.storage && !s.storage.ok) {
    io.stdout(
      `storage\n  FAILING: ${s.storage.lastError ?? ''}; ${s.storage.unrecorded} events not recorded${s.storage.unsaved ? ', state not saved' : ''} (outputs are still driven)\n`,
    );
  }
  return EXIT.ok;
}

const MAINTENANCE_USAGE = `Usage: jiuxiao-gateway maintenance --config FILE --device ID (on [--linkage-test] | off)

Maintenance/test mode (检修/测试) of one device on the running gateway: its events still flow, flagged
test, and its linkage is held, unless --linkage-test asks to drive the outputs as for real.
`;

const MAINTENANCE_USAGE_ZH = `用法：jiuxiao-gateway maintenance --config FILE --device ID (on [--linkage-test] | off)

让运行中的网关把一台设备置于检修/测试状态：它的事件照常上报，但标记为测试，联动暂停；
加 --linkage-test 时联动照常驱动输出（联动测试）。
`;

const SILENCE_USAGE = `Usage: jiuxiao-gateway silence --config FILE

Silences the buzzers of the running gateway until the next alarm.
`;

const SILENCE_USAGE_ZH = `用法：jiuxiao-gateway silence --config FILE

让运行中的网关的蜂鸣器消音，直到下一次报警。
`;

export async function maintenanceCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseOrUsage('maintenance', () =>
    parseArgs({
      args: argv,
      options: { config: { type: 'string' }, device: { type: 'string' }, 'linkage-test': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    }),
  );
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? MAINTENANCE_USAGE_ZH : MAINTENANCE_USAGE);
    return EXIT.ok;
  }
  const mode = positionals[0];
  if (positionals.length !== 1 || (mode !== 'on' && mode !== 'off')) throw new UsageError('maintenance: say on or off');
  if (v.device === undefined) throw new UsageError('maintenance: --device ID is required');
  if (mode === 'off' && v['linkage-test']) throw new UsageError('maintenance: --linkage-test goes with on');
  const dataDir = dataDirOf('maintenance', v.config, io);
  try {
    const a = await ask(dataDir, { cmd: 'maintenance', device: v.device, on: mode === 'on', linkageTest: v['linkage-test'] === true });
    if (!a.ok) {
      io.stderr(`jiuxiao-gateway maintenance: ${String(a.error)}\n`);
      return EXIT.invalid;
    }
    io.stdout(`${v.device}: maintenance ${mode}${v['linkage-test'] ? ' with linkage test' : ''}\n`);
    return EXIT.ok;
  } catch (err) {
    io.stderr(`jiuxiao-gateway maintenance: ${(err as Error).message}\n`);
    return EXIT.invalid;
  }
}

export async function silenceCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('silence', () =>
    parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }),
  );
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? SILENCE_USAGE_ZH : SILENCE_USAGE);
    return EXIT.ok;
  }
  const dataDir = dataDirOf('silence', v.config, io);
  try {
    await ask(dataDir, { cmd: 'silence' });
    io.stdout('buzzers silenced\n');
    return EXIT.ok;
  } catch (err) {
    io.stderr(`jiuxiao-gateway silence: ${(err as Error).message}\n`);
    return EXIT.invalid;
  }
}

const ANSWER_INSPECTION_USAGE = `Usage: jiuxiao-gateway answer-inspection --config FILE

Answers the fire-monitoring centre's inspection (查岗, GB/T 26875.3 type 91) as the person on duty at the
venue: the centre gets "inspection answered" (type 24, bit 5). \`status\` shows an inspection waiting and
until when it can be answered.
`;

const ANSWER_INSPECTION_USAGE_ZH = `用法：jiuxiao-gateway answer-inspection --config FILE

值班人员在场应答消防远程监控中心的查岗（GB/T 26875.3 类型 91）：中心收到"查岗应答"（类型 24，第 5 位）。
\`status\` 显示待应答的查岗及其截止时间。
`;

export async function answerInspectionCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('answer-inspection', () =>
    parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }),
  );
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? ANSWER_INSPECTION_USAGE_ZH : ANSWER_INSPECTION_USAGE);
    return EXIT.ok;
  }
  const dataDir = dataDirOf('answer-inspection', v.config, io);
  try {
    const a = await ask(dataDir, { cmd: 'answer-inspection' });
    if (a.ok !== true) {
      io.stderr(`jiuxiao-gateway answer-inspection: ${String(a.error)}\n`);
      return EXIT.invalid;
    }
    io.stdout('inspection answered: the monitoring centre is told someone is on duty\n');
    return EXIT.ok;
  } catch (err) {
    io.stderr(`jiuxiao-gateway answer-inspection: ${(err as Error).message}\n`);
    return EXIT.invalid;
  }
}
