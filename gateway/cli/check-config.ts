// `jiuxiao-gateway check-config FILE [--json]`: what an installer runs before starting the gateway.
// Every problem at once, each as FILE:LINE:COL path: message; a short summary when the file is good.

import { parseArgs } from 'node:util';
import {
  RISK_LABELS,
  CATEGORIES,
  THRESHOLD_RULES,
  type Centre,
  type Config,
  type LoadResult,
  type Diagnostic,
  loadConfigFile,
  DIAGNOSTICS_ZH,
  diagnosticJson,
  renderSaid,
} from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { planDevice, type DevicePlan } from '../../drivers/bus/device-reader.js';
import { describeBlock } from '../../drivers/plan/read-plan.js';
import { transactionWireMs } from '../../drivers/plan/wire-time.js';
import { padTo, translator, type Lang, type Translate } from '../i18n/i18n.js';
import { CHECK_CONFIG_MESSAGES } from './check-config-messages.js';
import { componentMaps } from '../centre/gbt26875/components.js';
import { ANALOG_TYPES, COMPONENT_TYPES, SYSTEM_TYPES } from '../centre/gbt26875/tables.js';
import { descriptionText } from '../centre/gbt26875/mapping.js';
import { EXIT, langFlag, parseOrUsage, UsageError, type CliIo } from './io.js';

const CHECK_CONFIG_USAGE = `Usage: jiuxiao-gateway check-config FILE [--json] [--lang zh|en]

Validates a gateway config file and prints every error as FILE:LINE:COL path: message.
Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable file or broken YAML.

  --json       print one JSON object: {ok, errors, warnings, venue, ...} (messages in English)
  --lang zh    messages in Chinese (also with a Chinese locale, LANG=zh_CN.UTF-8)
`;

const CHECK_CONFIG_USAGE_ZH = `用法：jiuxiao-gateway check-config FILE [--json] [--lang zh|en]

检查网关配置文件，每个错误按 FILE:LINE:COL 路径: 说明 列出。
退出码：0 有效（可有警告），1 无效，2 文件无法读取或 YAML 损坏。

  --json       输出一个 JSON 对象：{ok, errors, warnings, venue, ...}（说明为英文，供程序读取）
  --lang en    用英文显示（中文系统语言下默认中文）
`;

export function checkConfigCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parseOrUsage('check-config', () =>
    parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, lang: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    }),
  );
  const lang = langFlag('check-config', io.env, values.lang);
  if (values.help) {
    io.stdout(lang === 'zh' ? CHECK_CONFIG_USAGE_ZH : CHECK_CONFIG_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`check-config: expected one FILE, got ${positionals.length}`);
  const file = positionals[0] as string;
  const result = loadConfigFile(file, { builtinProfiles: BUILTIN_PROFILES, env: io.env });
  const code = result.status === 'ok' ? EXIT.ok : result.status === 'invalid' ? EXIT.invalid : EXIT.usage;
  io.stdout(values.json ? `${JSON.stringify(jsonReport(result), null, 2)}\n` : humanReport(result, lang));
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
      slaveId: d.slaveId,
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

/** A diagnostic's message in the installer's language (`commission` prints them too). */
export function diagnosticText(d: Diagnostic, lang: Lang): string {
  return lang === 'zh' ? renderSaid(d.said, DIAGNOSTICS_ZH) : d.message;
}

/** What `check-config` prints for people (and `run` on a bad config): every diagnostic with its place,
 *  then, for a good file, what the gateway will do with it. In Chinese each diagnostic is rendered from
 *  its code; keys, ids and values stay as written in the file. */
export function humanReport(r: LoadResult, lang: Lang = 'en'): string {
  const t = translator(CHECK_CONFIG_MESSAGES, lang);
  const say = (d: Diagnostic) => diagnosticText(d, lang);
  const count = (n: number, what: 'errors' | 'warnings' | 'transactions' | 'rules') =>
    lang === 'en' && n === 1 ? t(what, { n }).replace(/s$/, '') : t(what, { n });
  const counts = () => ({ errors: count(r.errors.length, 'errors'), warnings: count(r.warnings.length, 'warnings') });
  const lines: string[] = [];
  if (r.status !== 'ok') {
    for (const e of r.errors) lines.push(`${where(r.file, e)} ${say(e)}`);
    for (const w of r.warnings) lines.push(`${where(r.file, w)} ${t('warningPrefix', { message: say(w) })}`);
    const what = r.status === 'syntax' ? 'cannotBeParsed' : r.status === 'unreadable' ? 'cannotBeRead' : 'isInvalid';
    lines.push(t(what, { file: r.file, ...counts() }));
    return `${lines.join('\n')}\n`;
  }
  const c = r.config as Config;
  const row = (label: Parameters<typeof t>[0], text: string) => lines.push(`${padTo(t(label), 9)}${text}`);
  const more = (text: string) => lines.push(`         ${text}`);
  lines.push(r.warnings.length ? t('okWithWarnings', { file: r.file, warnings: counts().warnings }) : t('ok', { file: r.file }));
  row('labelGateway', t('gateway', { id: c.gateway.id, dir: c.gateway.dataDir }));
  const cat = CATEGORIES[c.venue.category];
  row('labelVenue', t('venue', { id: c.venue.id, name: c.venue.name, category: c.venue.category, categoryZh: cat.zh, adminCode: c.venue.adminCode }));
  if (r.risk) {
    const label = RISK_LABELS[r.risk.colour];
    row(
      'labelRisk',
      t('risk', { colour: r.risk.colour.toUpperCase(), label: lang === 'en' ? `${label.zh} (${label.en})` : label.zh, days: r.risk.inspectionIntervalDays }),
    );
    for (const reason of r.risk.reasons) more(`- ${lang === 'en' ? reason.text : riskReason(reason.rule, r.risk, c, t)}`);
  }
  const plans = plansOf(c);
  row('labelBuses', String(c.buses.length));
  for (const b of c.buses) {
    const line = b.type === 'rtu' ? `rtu ${b.path} ${b.baud} ${b.dataBits}${b.parity[0]?.toUpperCase()}${b.stopBits}` : `${b.type} ${b.host}:${b.port}`;
    const p = plans.buses.get(b.id);
    const cycle = !p
      ? ''
      : p.wireMs !== undefined
        ? t('busCycleWire', { transactions: count(p.transactions, 'transactions'), ms: p.wireMs.toFixed(1) })
        : t('busCycle', { transactions: count(p.transactions, 'transactions') });
    more(t('bus', { id: b.id, line, timeout: b.timeoutMs, cycle }));
  }
  row('labelDevices', String(c.devices.length));
  for (const d of c.devices) {
    const tags = [d.location, d.maintenance ? t('maintenance') : undefined].filter(Boolean).join(', ');
    more(t('device', { id: d.id, profile: d.profile, slave: d.slaveId, bus: d.bus, ms: d.pollIntervalMs, tags: tags ? t('deviceTags', { tags }) : '' }));
    for (const blk of plans.devices.get(d.id)?.blocks ?? []) more(`  ${t('read', { block: describeBlock(blk) })}`);
  }
  const gpio = (line: number, activeLow: boolean) => t(activeLow ? 'viaGpioActiveLow' : 'viaGpio', { line });
  if (c.outputs.length) {
    row('labelOutputs', String(c.outputs.length));
    for (const o of c.outputs) {
      const drv = o.driver;
      const via =
        drv.type === 'gpio'
          ? gpio(drv.line, drv.activeLow === true)
          : drv.type === 'modbus-coil'
            ? t('viaCoil', { coil: drv.coil, device: drv.device })
            : drv.type === 'modbus-register'
              ? t('viaRegister', { register: drv.register, device: drv.device })
              : t('viaMemory');
      more(t('output', { id: o.id, role: o.role, via, safe: o.safeState }));
    }
  }
  if (c.inputs.length) {
    row('labelInputs', String(c.inputs.length));
    for (const i of c.inputs) {
      const via = i.driver.type === 'gpio' ? gpio(i.driver.line, i.driver.activeLow === true) : t('viaMemory');
      more(t('input', { id: i.id, role: i.role, contact: i.role === 'dry-contact' ? ` (${i.kind} ${i.state})` : '', via }));
    }
  }
  if (c.linkage.length) row('labelLinkage', count(c.linkage.length, 'rules'));
  if (c.uplink) {
    const secret = r.secrets['uplink.password'];
    const from =
      secret === undefined
        ? ''
        : secret.kind === 'env'
          ? t('passwordFromEnv', { vars: secret.names.map((n) => `\${${n}}`).join(', ') })
          : secret.kind === 'file'
            ? t('passwordFromFile', { file: secret.file })
            : t('passwordInline');
    row('labelUplink', t('uplink', { url: c.uplink.url, clientId: c.uplink.clientId ?? c.gateway.id, from }));
  } else {
    row('labelUplink', t('uplinkNone'));
  }
  if (c.centre) {
    const ct = c.centre;
    row(
      'labelCentre',
      t('centre', {
        host: ct.host,
        port: ct.port,
        address: addressText(ct.address),
        centreAddress: addressText(ct.centreAddress),
        timeoutS: ct.confirmTimeoutMs / 1000,
        retries: ct.retries,
        systemType: `${ct.systemType} (${SYSTEM_TYPES[ct.systemType]?.[lang] ?? '?'})`,
        systemAddress: ct.systemAddress,
      }),
    );
    for (const m of componentMaps(c, { ...BUILTIN_PROFILES, ...c.profiles }, ct)) {
      const name = COMPONENT_TYPES[m.componentType];
      const analog = ANALOG_TYPES[m.analogType];
      const sent = descriptionText(m.description);
      more(
        t('centreComponent', {
          channel: `${m.device}/${m.channel}`,
          componentType: m.componentType,
          componentName: name ? (lang === 'zh' ? name.zh : name.en) : '?',
          address: componentAddressText(m.componentAddress, ct.addressLayout),
          analog: analog ? t('centreAnalog', { analogType: m.analogType, unit: `${analog.step} ${analog.unit}`, scale: m.analogScale }) : '',
          description: sent,
        }) +
          (analog && m.analogScale < 1 ? t('centreCoarse', coarseness(m.analogScale, THRESHOLD_RULES[m.kind]?.unit)) : '') +
          (sent === m.description ? '' : t('centreCut')),
      );
    }
  }
  if (r.envOverrides?.length) row('labelEnv', t('envOverrides', { vars: r.envOverrides.join(', ') }));
  row('labelStatus', c.status.enabled ? `http://${c.status.host.includes(':') ? `[${c.status.host}]` : c.status.host}:${c.status.port}/` : t('statusOff'));
  if (r.warnings.length) {
    lines.push(t('labelWarnings'));
    for (const w of r.warnings) lines.push(`  ${where(r.file, w)} ${say(w)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A 6-byte address in decimal and hex (centres write either). */
function addressText(a: number): string {
  return `${a} (0x${a.toString(16).padStart(12, '0')})`;
}

/** What a coarse analog step loses: one step in the reading's unit, and the half step below which 0 is sent. */
function coarseness(scale: number, unit: string | undefined): { step: string; half: string } {
  const u = unit ? ` ${unit}` : '';
  return { step: `${1 / scale}${u}`, half: `${0.5 / scale}${u}` };
}

/** A component address as loop-point (the usual reading at a centre) and in hex. */
function componentAddressText(a: number, layout: Centre['addressLayout']): string {
  const [loop, point] = layout === 'loop-first' ? [a % 65536, Math.floor(a / 65536)] : [Math.floor(a / 65536), a % 65536];
  return `${loop}-${point} (0x${a.toString(16).padStart(8, '0')})`;
}

/** A reason of Article 6(4) in Chinese, from its stable rule code (the English text is made in config/risk.ts). */
function riskReason(rule: string, risk: NonNullable<LoadResult['risk']>, c: Config, t: Translate<typeof CHECK_CONFIG_MESSAGES>): string {
  const crowded = risk.crowdedSource === 'stated' ? t('crowdedStated') : t('crowdedByCategory', { category: c.venue.category });
  switch (rule) {
    case 'flammables-and-crowded':
      return t('reasonFlammablesAndCrowded', { crowded });
    case 'fire-key-unit':
      return t('reasonFireKeyUnit');
    case 'mixed-use':
      return t('reasonMixedUse');
    case 'heavy-gas-use':
      return t('reasonHeavyGasUse');
    case 'flammables':
      return t('reasonFlammables');
    case 'crowded':
      return t('reasonCrowded', { crowded });
    case 'low-risk-decision':
      return t('reasonLowRisk', { reason: c.venue.lowRisk?.reason ?? '' });
    default:
      return t('reasonNeither');
  }
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
    errors: r.errors.map(diagnosticJson),
    warnings: r.warnings.map(diagnosticJson),
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
          ...(c.centre
            ? {
                centre: {
                  protocol: c.centre.protocol,
                  host: c.centre.host,
                  port: c.centre.port,
                  address: c.centre.address,
                  centreAddress: c.centre.centreAddress,
                  systemType: c.centre.systemType,
                  systemAddress: c.centre.systemAddress,
                  components: componentMaps(c, { ...BUILTIN_PROFILES, ...c.profiles }, c.centre),
                },
              }
            : {}),
        }
      : {}),
  };
}
