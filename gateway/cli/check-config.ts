// `jiuxiao-gateway check-config FILE [--json]`: what an installer runs before starting the gateway.
// Every problem at once, each as FILE:LINE:COL path: message; a short summary when the file is good.

import { parseArgs } from 'node:util';
import { RISK_LABELS, CATEGORIES, type Config, type LoadResult, type Diagnostic, loadConfigFile } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { planDevice, type DevicePlan } from '../../drivers/bus/device-reader.js';
import { describeBlock } from '../../drivers/plan/read-plan.js';
import { transactionWireMs } from '../../drivers/plan/wire-time.js';
import { langOf } from '../i18n/i18n.js';
import { EXIT, parseOrUsage, UsageError, type CliIo } from './io.js';

const CHECK_CONFIG_USAGE = `Usage: jiuxiao-gateway check-config FILE [--json]

Validates a gateway config file and prints every error as FILE:LINE:COL path: message.
Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable file or broken YAML.

  --json    print one JSON object: {ok, errors, warnings, venue, ...}
`;

const CHECK_CONFIG_USAGE_ZH = `用法：jiuxiao-gateway check-config FILE [--json]

检查网关配置文件，每个错误按 FILE:LINE:COL 路径: 说明 列出（说明目前为英文）。
退出码：0 有效（可有警告），1 无效，2 文件无法读取或 YAML 损坏。

  --json    输出一个 JSON 对象：{ok, errors, warnings, venue, ...}
`;

export function checkConfigCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parseOrUsage('check-config', () =>
    parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }),
  );
  if (values.help) {
    io.stdout(langOf(io.env) === 'zh' ? CHECK_CONFIG_USAGE_ZH : CHECK_CONFIG_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`check-config: expected one FILE, got ${positionals.length}`);
  const file = positionals[0] as string;
  const result = loadConfigFile(file, { builtinProfiles: BUILTIN_PROFILES, env: io.env });
  const code = result.status === 'ok' ? EXIT.ok : result.status === 'invalid' ? EXIT.invalid : EXIT.usage;
  io.stdout(values.json ? `${JSON.stringify(jsonReport(result), null, 2)}\n` : humanReport(result));
  return code;
}

/** Each device's read plan, and per bus the transactions of one poll cycle and, on serial lines, the
 *  wire time they take at the bus's baud rate. */
function plansOf(c: Config): { devices: Map<string, DevicePlan>; buses: Map<string, { transactions: number; wireMs?: number }> } {
  const all = { ...BUILTIN_PROFILES, ...c.profiles };
  const devices = new Map<string, DevicePlan>();
  const buses = new Map<string, { transactions: number; wireMs?: number }>();
  for (const b of c.buses) buses.set(b.id, b.type === 'tcp' ? { transactions: 0 } : { transactions: 0, wireMs: 0 });
  for (const d of c.devices) {
    const profile = all[d.profile];
    if (!profile) continue;
    const disabled = Object.entries(d.channels)
      .filter(([, ch]) => !ch.enabled)
      .map(([name]) => name);
    const plan = planDevice({
      id: d.id,
      unit: d.slaveId,
      profile,
      disabled,
      ...(d.maxRegistersPerRead !== undefined ? { maxRegistersPerRead: d.maxRegistersPerRead } : {}),
      ...(d.maxGap !== undefined ? { maxGap: d.maxGap } : {}),
    });
    devices.set(d.id, plan);
    const bus = c.buses.find((b) => b.id === d.bus);
    const entry = buses.get(d.bus);
    if (!bus || !entry) continue;
    entry.transactions += plan.blocks.length;
    if (entry.wireMs !== undefined && bus.type !== 'tcp') {
      const bitsPerChar = bus.type === 'rtu' ? 1 + bus.dataBits + (bus.parity === 'none' ? 0 : 1) + bus.stopBits : 10;
      for (const blk of plan.blocks) entry.wireMs += transactionWireMs({ fc: blk.fc, address: blk.address, count: blk.count }, bus.baud, bitsPerChar);
    }
  }
  return { devices, buses };
}

function where(file: string, d: Diagnostic): string {
  if (d.line === 0) return `${file}:`;
  return d.path ? `${file}:${d.line}:${d.column} ${d.path}:` : `${file}:${d.line}:${d.column}:`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function humanReport(r: LoadResult): string {
  const lines: string[] = [];
  if (r.status !== 'ok') {
    for (const e of r.errors) lines.push(`${where(r.file, e)} ${e.message}`);
    for (const w of r.warnings) lines.push(`${where(r.file, w)} warning: ${w.message}`);
    const what = r.status === 'syntax' ? 'cannot be parsed' : r.status === 'unreadable' ? 'cannot be read' : 'is invalid';
    lines.push(`${r.file} ${what}: ${plural(r.errors.length, 'error')}, ${plural(r.warnings.length, 'warning')}`);
    return `${lines.join('\n')}\n`;
  }
  const c = r.config as Config;
  lines.push(`${r.file}: OK${r.warnings.length ? ` (${plural(r.warnings.length, 'warning')})` : ''}`);
  lines.push(`gateway  ${c.gateway.id}, data in ${c.gateway.dataDir}`);
  const cat = CATEGORIES[c.venue.category];
  lines.push(`venue    ${c.venue.id} ${c.venue.name}: ${c.venue.category} (${cat.zh}), township ${c.venue.adminCode}`);
  if (r.risk) {
    const label = RISK_LABELS[r.risk.colour];
    lines.push(`risk     ${r.risk.colour.toUpperCase()} ${label.zh} (${label.en}): inspect at least every ${r.risk.inspectionIntervalDays} days (Art. 6(5))`);
    for (const reason of r.risk.reasons) lines.push(`         - ${reason.text}`);
  }
  const plans = plansOf(c);
  lines.push(`buses    ${c.buses.length}`);
  for (const b of c.buses) {
    const line = b.type === 'rtu' ? `rtu ${b.path} ${b.baud} ${b.dataBits}${b.parity[0]?.toUpperCase()}${b.stopBits}` : `${b.type} ${b.host}:${b.port}`;
    const p = plans.buses.get(b.id);
    const cycle = p
      ? `; ${plural(p.transactions, 'transaction')} per poll cycle${p.wireMs !== undefined ? `, ≥ ${p.wireMs.toFixed(1)} ms on the wire` : ''}`
      : '';
    lines.push(`         ${b.id}  ${line}, timeout ${b.timeoutMs} ms${cycle}`);
  }
  lines.push(`devices  ${c.devices.length}`);
  for (const d of c.devices) {
    const tags = [d.location, d.maintenance ? 'MAINTENANCE' : undefined].filter(Boolean).join(', ');
    lines.push(`         ${d.id}  ${d.profile}, slave ${d.slaveId} on ${d.bus}, every ${d.pollIntervalMs} ms${tags ? ` (${tags})` : ''}`);
    for (const blk of plans.devices.get(d.id)?.blocks ?? []) lines.push(`           read ${describeBlock(blk)}`);
  }
  if (c.outputs.length) {
    lines.push(`outputs  ${c.outputs.length}`);
    for (const o of c.outputs) {
      const drv = o.driver;
      const via =
        drv.type === 'gpio'
          ? `gpio line ${drv.line}${drv.activeLow ? ' active-low' : ''}`
          : drv.type === 'modbus-coil'
            ? `coil ${drv.coil} of ${drv.device}`
            : drv.type === 'modbus-register'
              ? `register ${drv.register} of ${drv.device}`
              : 'memory';
      lines.push(`         ${o.id}  ${o.role} via ${via}, safe state ${o.safeState}`);
    }
  }
  if (c.inputs.length) {
    lines.push(`inputs   ${c.inputs.length}`);
    for (const i of c.inputs) {
      const via = i.driver.type === 'gpio' ? `gpio line ${i.driver.line}${i.driver.activeLow ? ' active-low' : ''}` : 'memory';
      lines.push(`         ${i.id}  ${i.role}${i.role === 'dry-contact' ? ` (${i.kind} ${i.state})` : ''} via ${via}`);
    }
  }
  if (c.linkage.length) lines.push(`linkage  ${plural(c.linkage.length, 'rule')}`);
  if (c.uplink) {
    const secret = r.secrets['uplink.password'];
    const from =
      secret === undefined
        ? ''
        : secret.kind === 'env'
          ? `, password from \${${secret.names.join('}, ${')}}`
          : secret.kind === 'file'
            ? `, password from ${secret.file}`
            : ', password inline';
    lines.push(`uplink   ${c.uplink.url} as ${c.uplink.clientId ?? c.gateway.id}${from}`);
  } else {
    lines.push('uplink   none');
  }
  if (r.envOverrides?.length) lines.push(`env      ${r.envOverrides.join(', ')} override the file`);
  lines.push(`status   ${c.status.enabled ? `http://${c.status.host.includes(':') ? `[${c.status.host}]` : c.status.host}:${c.status.port}/` : 'off'}`);
  if (r.warnings.length) {
    lines.push('warnings');
    for (const w of r.warnings) lines.push(`  ${where(r.file, w)} ${w.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function jsonReport(r: LoadResult): Record<string, unknown> {
  const c = r.config;
  const plans = c ? plansOf(c) : undefined;
  const venue =
    r.venue && r.risk
      ? {
          id: r.venue.id,
          name: r.venue.name,
          adminCode: r.venue.adminCode,
          category: r.venue.category,
          risk: r.risk.colour,
          riskLabel: RISK_LABELS[r.risk.colour].zh,
          riskReasons: r.risk.reasons.map((x) => x.text),
          riskRules: r.risk.reasons.map((x) => x.rule),
          inspectionIntervalDays: r.risk.inspectionIntervalDays,
          crowded: r.risk.crowded,
          crowdedSource: r.risk.crowdedSource,
          flammables: r.risk.flammables,
        }
      : null;
  return {
    ok: r.status === 'ok',
    status: r.status,
    file: r.file,
    errors: r.errors.map(diag),
    warnings: r.warnings.map(diag),
    venue,
    ...(c
      ? {
          gateway: { id: c.gateway.id, dataDir: c.gateway.dataDir },
          buses: c.buses.map((b) => {
            const p = plans?.buses.get(b.id);
            return {
              id: b.id,
              type: b.type,
              transactionsPerCycle: p?.transactions ?? 0,
              ...(p?.wireMs !== undefined ? { wireMsPerCycle: Number(p.wireMs.toFixed(2)) } : {}),
            };
          }),
          devices: c.devices.map((d) => ({
            id: d.id,
            bus: d.bus,
            slaveId: d.slaveId,
            profile: d.profile,
            reads: (plans?.devices.get(d.id)?.blocks ?? []).map((blk) => ({ fc: blk.fc, address: blk.address, count: blk.count, points: blk.points })),
          })),
          outputs: c.outputs.map((o) => ({ id: o.id, role: o.role, driver: o.driver.type })),
        }
      : {}),
  };
}

function diag(d: Diagnostic): Diagnostic {
  return { path: d.path, line: d.line, column: d.column, message: d.message };
}
