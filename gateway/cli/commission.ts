// `jiuxiao-gateway commission`: from a bare box to a checked config. Asks the venue facts first (the scan
// can take minutes; the installer can leave it running), scans every serial line of the box (or the lines
// and endpoints named), names each device that answers by its most likely profile with the evidence,
// proposes the gas linkage where a relay module and a gas detector were found, writes a config that passes
// check-config, and says the venue's risk colour and what to do next. Chinese or English (--lang, locale).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { BAUD_RATES, INSPECTION_INTERVAL_DAYS, loadConfigFile, loadConfigText, RISK_LABELS, type Profile } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { askMissing, factsFromFile, missing, sections, type Facts } from '../commission/facts.js';
import { identify } from '../commission/identify.js';
import { scanLine, type LineSetting, type ScanHit } from '../commission/line-scan.js';
import { COMMISSION_MESSAGES } from '../commission/messages.js';
import { proposeConfig, type FoundLine, type LineAddress } from '../commission/propose.js';
import { findSerialLines } from '../commission/serial-lines.js';
import { translator } from '../i18n/i18n.js';
import { diagnosticText } from './check-config.js';
import { FieldError, openBus, type Endpoint, type Parity } from '../commission/field-bus.js';
import { baudFlag, endpointFlags, idRangeFlag, intFlag, parityFlag } from './field-flags.js';
import { EXIT, langFlag, parseOrUsage, UsageError, type CliIo } from './io.js';

const USAGE = `Usage: jiuxiao-gateway commission [--port PATH]… [--tcp HOST:PORT]… [--rtu-over-tcp HOST:PORT]…
                                  [--baud auto|N[,N…]] [--parity auto|none|even|odd] [--ids A-B]
                                  [--timeout MS] [--answers FILE] [--profiles CONFIG] [--out FILE] [--force]
                                  [--lang zh|en]

Commissioning (调试): asks the venue facts (or reads them from --answers FILE: YAML with gateway.id, venue.*
as in a config, uplink.url), scans the serial lines of this box — /dev/serial/by-id/*, ttyUSB*, ttyACM*,
ttyAMA*, ttyS* — or the lines and TCP endpoints given, names each device that answers by the profile that
explains its registers (with the evidence), proposes the gas linkage where a relay module and a gas
detector are found, and writes a config that passes check-config (default ./jiuxiao-gateway.yaml).

  --baud          serial lines: default 9600,19200,4800,2400; auto: every rate
  --parity        serial lines: default none,even; auto: none, even, odd
  --ids A-B       slave ids to try (default 1-247)
  --timeout MS    per id (default 100 serial, 300 TCP)
  --profiles CONFIG  also try the profiles defined in this gateway config (your own register maps)
  --lang zh|en    default from the locale (LANG=zh_CN.UTF-8: Chinese)

Exit 0 with the config written, 1 when nothing was found or the answers are wrong, 2 on usage errors.
`;

const USAGE_ZH = `用法：jiuxiao-gateway commission [--port PATH]… [--tcp HOST:PORT]… [--rtu-over-tcp HOST:PORT]…
                                  [--baud auto|N[,N…]] [--parity auto|none|even|odd] [--ids A-B]
                                  [--timeout MS] [--answers FILE] [--profiles CONFIG] [--out FILE] [--force]
                                  [--lang zh|en]

调试：先询问场所情况（或从 --answers FILE 读取：YAML，含 gateway.id、与配置相同的 venue.*、uplink.url），
再扫描本机串口 —— /dev/serial/by-id/*、ttyUSB*、ttyACM*、ttyAMA*、ttyS* —— 或指定的线路和 TCP 地址，
按寄存器表识别每台应答的设备（并给出依据），在找到继电器模块和燃气探测器时建议燃气联动，
最后写出通过 check-config 检查的配置（默认 ./jiuxiao-gateway.yaml）。

  --baud          串口：默认 9600,19200,4800,2400；auto：所有波特率
  --parity        串口：默认 none,even；auto：none、even、odd
  --ids A-B       尝试的从站地址（默认 1-247）
  --timeout MS    每个地址的等待时间（串口默认 100，TCP 默认 300）
  --profiles CONFIG  同时尝试该网关配置中定义的型号（自定义寄存器表）
  --lang zh|en    默认按系统语言（LANG=zh_CN.UTF-8 为中文）

退出码：0 已写出配置，1 未找到设备或回答有误，2 用法错误。
`;

function fmtDuration(ms: number, lang: 'zh' | 'en'): string {
  const s = Math.max(1, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  if (lang === 'zh') return m ? `${m} 分 ${s % 60} 秒` : `${s} 秒`;
  return m ? `${m} min ${s % 60} s` : `${s} s`;
}

/** Where the line is, as the bus config the endpoint makes says it. */
function addressOf(ep: Endpoint): LineAddress {
  const bus = ep.bus(9600, 'none', 100);
  return bus.type === 'rtu' ? { kind: 'serial', path: bus.path } : { kind: bus.type, host: bus.host, port: bus.port };
}

const settingText = (s: LineSetting | undefined) => (s ? ` @ ${s.baud} 8${s.parity[0]?.toUpperCase()}1` : '');

export async function commissionCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('commission', () =>
    parseArgs({
      args: argv,
      options: {
        port: { type: 'string', multiple: true },
        tcp: { type: 'string', multiple: true },
        'rtu-over-tcp': { type: 'string', multiple: true },
        baud: { type: 'string' },
        parity: { type: 'string' },
        ids: { type: 'string' },
        timeout: { type: 'string' },
        answers: { type: 'string' },
        profiles: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        lang: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }),
  );
  const lang = langFlag('commission', io.env, v.lang);
  if (v.help) {
    io.stdout(lang === 'zh' ? USAGE_ZH : USAGE);
    return EXIT.ok;
  }
  const t = translator(COMMISSION_MESSAGES, lang);
  const out = v.out ?? 'jiuxiao-gateway.yaml';
  if (existsSync(out) && !v.force) throw new UsageError(`commission: ${t('outExists', { file: out })}`);
  const [first, last] = idRangeFlag('commission', v.ids, [1, 247]);
  const bauds = v.baud === 'auto' ? [...BAUD_RATES] : (v.baud ?? '9600,19200,4800,2400').split(',').map((b) => baudFlag('commission', b));
  const parities: Parity[] = v.parity === 'auto' ? ['none', 'even', 'odd'] : v.parity ? [parityFlag('commission', v.parity) as Parity] : ['none', 'even'];
  const settings = bauds.flatMap((baud) => parities.map((parity) => ({ baud, parity })));
  const timeout = intFlag('commission', 'timeout', v.timeout, 10, 10_000);

  // 1. The facts first: a scan can take minutes, and a script must fail before it, not after.
  let facts: Facts = {};
  if (v.answers !== undefined) {
    try {
      facts = factsFromFile(parseYaml(readFileSync(v.answers, 'utf8')), lang);
    } catch (err) {
      io.stderr(`jiuxiao-gateway commission: ${t('badAnswersFile', { file: v.answers, reason: (err as Error).message })}\n`);
      return EXIT.invalid;
    }
  }
  const gaps = missing(facts, lang);
  if (gaps.length) {
    if (!io.prompt) {
      io.stderr(`jiuxiao-gateway commission: ${t('missingAnswers', { keys: gaps.join(', ') })}\n`);
      return EXIT.invalid;
    }
    io.stdout(`${t('askIntro')}\n`);
    try {
      facts = await askMissing(facts, lang, t, io.prompt, io.stdout);
    } catch (err) {
      io.stderr(`jiuxiao-gateway commission: ${(err as Error).message}\n`);
      return EXIT.invalid;
    }
  }
  let sec: ReturnType<typeof sections>;
  try {
    sec = sections(facts);
  } catch (err) {
    io.stderr(`jiuxiao-gateway commission: ${t('badAnswersFile', { file: v.answers ?? '-', reason: (err as Error).message })}\n`);
    return EXIT.invalid;
  }
  io.stdout(`${t('title', { gw: sec.gateway.id })}\n`);

  // 2. The lines: those named, or every serial line of the box.
  const named: Endpoint[] = [
    ...(v.port ?? []).map((p) => endpointFlags('commission', { port: p })),
    ...(v.tcp ?? []).map((h) => endpointFlags('commission', { tcp: h })),
    ...(v['rtu-over-tcp'] ?? []).map((h) => endpointFlags('commission', { tcp: h, 'rtu-over-tcp': true })),
  ];
  const lines = named.length ? named : findSerialLines(io.env.JX_DEV_DIR ?? '/dev').map((p) => endpointFlags('commission', { port: p }));
  if (!lines.length) {
    io.stderr(`jiuxiao-gateway commission: ${t('noLines', { looked: '/dev/serial/by-id/*, /dev/ttyUSB*, ttyACM*, ttyAMA*, ttyS*' })}\n`);
    return EXIT.invalid;
  }
  io.stdout(`${t('lines', { lines: lines.map((l) => l.describe).join(', ') })}\n`);

  // 3. Scan each line with a progress bar and an estimate; name what answered.
  let own: Record<string, Profile> = {};
  if (v.profiles !== undefined) {
    const r = loadConfigFile(v.profiles, { builtinProfiles: BUILTIN_PROFILES, env: io.env });
    if (r.status !== 'ok' || !r.config) throw new UsageError(`commission: --profiles ${v.profiles} is not a valid config (run check-config on it)`);
    own = r.config.profiles;
  }
  const profiles: Readonly<Record<string, Profile>> = { ...BUILTIN_PROFILES, ...own };
  const found: FoundLine[] = [];
  for (const ep of lines) {
    const timeoutMs = timeout ?? (ep.kind === 'serial' ? 100 : 300);
    const lineSettings = ep.kind === 'serial' ? settings : settings.slice(0, 1);
    const total = lineSettings.length * (last - first + 1);
    io.stdout(`${t('scanning', { line: ep.describe, settings: lineSettings.length, first, last, estimate: fmtDuration(total * timeoutMs, lang) })}\n`);
    const t0 = performance.now();
    let shownAt = 0;
    let shownPct = -1;
    let hits: ScanHit[];
    try {
      hits = await scanLine(
        ep,
        { settings: lineSettings, first, last, timeoutMs },
        {
          progress: (p) => {
            const now = performance.now();
            const pct = Math.floor((p.done / p.total) * 100);
            // A terminal gets one line redrawn 4 times a second; a log gets a line every 25 %.
            if (io.stderrTTY ? now - shownAt < 250 && p.done < p.total : Math.floor(pct / 25) === Math.floor(shownPct / 25)) return;
            shownAt = now;
            shownPct = pct;
            const left = ((now - t0) / p.done) * (p.total - p.done);
            const bar = `[${'#'.repeat(Math.round(pct / 5)).padEnd(20, '.')}]`;
            const line = t('progress', { bar, pct, line: ep.describe, setting: `${p.setting.baud} ${p.setting.parity}`, left: fmtDuration(left, lang) });
            io.stderr(io.stderrTTY ? `\r${line}\x1b[K${p.done === p.total ? '\n' : ''}` : `${line}\n`);
          },
        },
      );
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      if (io.stderrTTY) io.stderr('\n');
      io.stdout(`${t('lineFailed', { line: ep.describe, reason: err.message })}\n`);
      continue;
    }
    if (!hits.length) {
      io.stdout(`${t('nothingOnLine', { line: ep.describe })}\n`);
      continue;
    }
    const line: FoundLine = { line: addressOf(ep), devices: [] };
    // One bus per setting that answered (a serial line holds one setting; a second is a mixed line).
    const setting = hits[0]?.baud !== undefined ? { baud: hits[0].baud, parity: hits[0].parity as Parity } : undefined;
    if (setting) line.setting = setting;
    line.settingUnsure = hits.some((h) => (h.alsoAt?.length ?? 0) + 1 === lineSettings.length && lineSettings.length > 1);
    const bus = await openBus(ep.bus(setting?.baud ?? 9600, setting?.parity ?? 'none', Math.max(timeoutMs * 3, 300)));
    try {
      for (const h of hits) {
        const here = settingText(h.baud !== undefined ? { baud: h.baud, parity: h.parity as Parity } : undefined);
        if (setting && (h.baud !== setting.baud || h.parity !== setting.parity)) {
          // Devices at another setting on the same line cannot share its bus: name them, leave them out.
          io.stdout(`${t('unknownDevice', { line: ep.describe, id: h.id, setting: here })}\n`);
          continue;
        }
        const ranked = await identify(bus, h.id, profiles, Math.max(timeoutMs * 3, 300));
        const best = ranked[0];
        if (!best?.matches) {
          io.stdout(`${t('unknownDevice', { line: ep.describe, id: h.id, setting: here })}\n`);
          continue;
        }
        const also = ranked
          .slice(1)
          .filter((c) => c.matches)
          .map((c) => c.profile);
        io.stdout(`${t('found', { line: ep.describe, id: h.id, setting: here, profile: best.profile })}\n`);
        io.stdout(`${t('evidence', { text: best.evidence.join('; ') })}\n`);
        if (also.length) io.stdout(`${t('alsoConsistent', { profiles: also.join(', ') })}\n`);
        line.devices.push({ slaveId: h.id, profile: best.profile, alsoConsistent: also });
      }
    } finally {
      await bus.stop();
    }
    if (line.settingUnsure) io.stdout(`${t('everySetting', { setting: settingText(setting).trim() })}\n`);
    if (line.devices.length) found.push(line);
  }
  if (!found.length) {
    io.stderr(`jiuxiao-gateway commission: ${t('noDevices')}\n`);
    return EXIT.invalid;
  }

  // 4. The config, checked as `run` would check it, then written.
  const kinds = (p: string) => Object.values(profiles[p]?.points ?? {}).map((pt) => pt.kind);
  const used = new Set(found.flatMap((l) => l.devices.map((d) => d.profile)));
  const text = proposeConfig(sec, found, kinds, Object.fromEntries(Object.entries(own).filter(([name]) => used.has(name))));
  const checked = loadConfigText(text, out, { builtinProfiles: BUILTIN_PROFILES, env: {} });
  if (checked.status !== 'ok' || !checked.risk) {
    io.stderr(
      `jiuxiao-gateway commission: ${t('notValid')}\n${checked.errors.map((e) => `  ${e.line}:${e.column} ${e.path}: ${diagnosticText(e, lang)}`).join('\n')}\n`,
    );
    return EXIT.invalid;
  }
  writeFileSync(out, text, { flag: v.force ? 'w' : 'wx' });
  io.stdout(`${t('written', { file: out })}\n`);
  for (const w of checked.warnings) io.stdout(`  ${w.path}: ${diagnosticText(w, lang)}\n`);
  const colour = checked.risk.colour;
  io.stdout(
    `${t('risk', { colour: `${colour.toUpperCase()} ${RISK_LABELS[colour].zh} ${RISK_LABELS[colour].en}`, days: INSPECTION_INTERVAL_DAYS[colour] })}\n`,
  );
  const relay = checked.config?.outputs.find((o) => o.role === 'gas-valve');
  if (relay && relay.driver.type === 'modbus-coil') io.stdout(`${t('linkageProposed', { relay: relay.driver.device })}\n`);
  io.stdout(`${t('next', { file: out })}\n`);
  return EXIT.ok;
}
