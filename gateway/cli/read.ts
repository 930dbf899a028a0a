// `jiuxiao-gateway read`: one device's decoded points through its profile, or raw registers/bits. What
// an installer watches on site. A failed read prints the reason and never stale data.

import { parseArgs } from 'node:util';
import type { Profile } from '../../config/index.js';
import { loadConfigFile } from '../../config/index.js';
import { planDevice, readDevice } from '../../drivers/bus/device-reader.js';
import type { DecodedPoint } from '../../drivers/plan/codec.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import type { Request } from '../../drivers/modbus/pdu.js';
import { endpointFlags, FIELD_OPTIONS, intFlag, parityFlag, baudFlag } from './field-flags.js';
import { failureText, FieldError, openBus } from '../commission/field-bus.js';
import { langOf } from '../i18n/i18n.js';
import { EXIT, parseOrUsage, UsageError, type CliIo } from './io.js';

const READ_USAGE = `Usage: jiuxiao-gateway read (--port PATH | --tcp HOST:PORT [--rtu-over-tcp]) [--baud N] [--parity P]
                            --id N (--profile NAME [--config FILE] | --fc 1|2|3|4 --address A --count C)
                            [--timeout MS] [--repeat N] [--interval MS] [--json]

Reads one device. With --profile, every point decoded (value, unit, raw, status bits); with --fc, the raw
registers or bits (address may be hex: 0x001B). --config FILE makes the profiles defined in a gateway
config available. --repeat N polls N times over one open connection, one line per poll.

  --json   {"points": {"name": {"value", "unit", "raw", "label", "bits"}}}, or {"registers": [...]},
           or {"bits": [...]}; with --repeat one object per line, {"error": "..."} for a failed poll

Exit 1 when any poll failed (timeout, exception N, port closed), with the reason.
`;

const READ_USAGE_ZH = `用法：jiuxiao-gateway read (--port PATH | --tcp HOST:PORT [--rtu-over-tcp]) [--baud N] [--parity P]
                            --id N (--profile NAME [--config FILE] | --fc 1|2|3|4 --address A --count C)
                            [--timeout MS] [--repeat N] [--interval MS] [--json]

读取一台设备。用 --profile 时逐点解码（数值、单位、原始值、状态位）；用 --fc 时给出原始寄存器或位
（地址可写十六进制：0x001B）。--config FILE 可使用网关配置中定义的设备型号。--repeat N 在同一连接上
读 N 次，每次一行。

  --json   {"points": {"name": {"value", "unit", "raw", "label", "bits"}}}，或 {"registers": [...]}，
           或 {"bits": [...]}；配合 --repeat 每次一个对象，读取失败时为 {"error": "..."}

任何一次读取失败（超时、异常码 N、端口关闭）时退出码为 1，并说明原因。
`;

function formatPoints(points: Record<string, DecodedPoint>): string {
  const rows = Object.entries(points).map(([name, p]) => {
    const value = typeof p.value === 'boolean' ? (p.value ? 'on' : 'off') : String(p.value);
    const extra = [
      p.label !== undefined ? p.label : undefined,
      p.bits
        ? Object.entries(p.bits)
            .map(([b, on]) => `${b}=${on ? 1 : 0}`)
            .join(' ')
        : undefined,
      typeof p.raw === 'number' && p.raw !== p.value ? `raw ${p.raw}` : undefined,
    ].filter(Boolean);
    return `  ${name.padEnd(22)} ${`${value}${p.unit ? ` ${p.unit}` : ''}`.padEnd(14)} ${extra.join('  ')}`.trimEnd();
  });
  return `${rows.join('\n')}\n`;
}

function jsonPoints(points: Record<string, DecodedPoint>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(points).map(([name, p]) => [
      name,
      {
        value: p.value,
        ...(p.unit !== undefined ? { unit: p.unit } : {}),
        raw: p.raw,
        ...(p.label !== undefined ? { label: p.label } : {}),
        ...(p.bits ? { bits: p.bits } : {}),
      },
    ]),
  );
}

function resolveProfile(name: string, configFile: string | undefined, io: CliIo): Profile {
  const builtin = BUILTIN_PROFILES[name];
  if (builtin) return builtin;
  if (configFile !== undefined) {
    const r = loadConfigFile(configFile, { builtinProfiles: BUILTIN_PROFILES, env: io.env });
    const p = r.config?.profiles[name];
    if (r.status !== 'ok') throw new UsageError(`read: ${configFile} is not a valid config (run check-config)`);
    if (p) return p;
  }
  throw new UsageError(
    `read: unknown profile "${name}"; built in: ${Object.keys(BUILTIN_PROFILES).join(', ')}${configFile ? '' : ' (--config FILE for your own)'}`,
  );
}

export async function readCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('read', () =>
    parseArgs({
      args: argv,
      options: {
        ...FIELD_OPTIONS,
        id: { type: 'string' },
        profile: { type: 'string' },
        config: { type: 'string' },
        fc: { type: 'string' },
        address: { type: 'string' },
        count: { type: 'string' },
        repeat: { type: 'string' },
        interval: { type: 'string' },
      },
      allowPositionals: false,
    }),
  );
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? READ_USAGE_ZH : READ_USAGE);
    return EXIT.ok;
  }
  const ep = endpointFlags('read', v);
  const id = intFlag('read', 'id', v.id, 0, 255);
  if (id === undefined) throw new UsageError('read: --id N is required');
  const timeoutMs = intFlag('read', 'timeout', v.timeout, 10, 30_000) ?? 1000;
  const repeat = intFlag('read', 'repeat', v.repeat, 1, 1_000_000) ?? 1;
  const intervalMs = intFlag('read', 'interval', v.interval, 0, 3_600_000) ?? 1000;
  const baud = v.baud === undefined ? 9600 : baudFlag('read', v.baud);
  const parity = parityFlag('read', v.parity) ?? 'none';

  let poll: (bus: Awaited<ReturnType<typeof openBus>>) => Promise<{ text: string; json: Record<string, unknown> }>;
  if (v.profile !== undefined) {
    if (v.fc !== undefined || v.address !== undefined || v.count !== undefined)
      throw new UsageError('read: --profile and --fc/--address/--count exclude each other');
    const plan = planDevice({ id: 'cli', slaveId: id, profile: resolveProfile(v.profile, v.config, io) });
    poll = async (bus) => {
      const points = await readDevice(bus, id, plan);
      return { text: formatPoints(points), json: { points: jsonPoints(points) } };
    };
  } else {
    const fc = intFlag('read', 'fc', v.fc, 1, 4);
    const address = intFlag('read', 'address', v.address, 0, 65535);
    const count = intFlag('read', 'count', v.count, 1, fc !== undefined && fc <= 2 ? 2000 : 125) ?? 1;
    if (fc === undefined || address === undefined) throw new UsageError('read: give --profile NAME, or --fc 1|2|3|4 with --address A [--count C]');
    const request = { fc, address, count } as Request;
    poll = async (bus) => {
      const r = await bus.execute(id, request);
      if ('bits' in r) return { text: `  ${r.bits.map((b) => (b ? 1 : 0)).join(' ')}\n`, json: { bits: r.bits } };
      const regs = 'registers' in r ? r.registers : [];
      const text = regs
        .map(
          (x, i) =>
            `  ${address + i} (0x${(address + i).toString(16).toUpperCase().padStart(4, '0')})  ${x}  0x${x.toString(16).toUpperCase().padStart(4, '0')}`,
        )
        .join('\n');
      return { text: `${text}\n`, json: { registers: regs } };
    };
  }

  let bus;
  try {
    bus = await openBus(ep.bus(baud, parity, timeoutMs));
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    if (v.json) io.stdout(`${JSON.stringify({ error: err.message })}\n`);
    io.stderr(`jiuxiao-gateway read: ${err.message}\n`);
    return EXIT.invalid;
  }
  let failed = false;
  try {
    for (let i = 0; i < repeat; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, intervalMs));
      const before = bus.snapshot();
      try {
        const out = await poll(bus);
        io.stdout(v.json ? `${JSON.stringify(out.json)}\n` : `${repeat > 1 ? `${new Date().toISOString()}\n` : ''}${out.text}`);
      } catch (err) {
        failed = true;
        const reason = failureText(err, before, bus.snapshot());
        if (v.json) io.stdout(`${JSON.stringify({ error: reason })}\n`);
        else io.stderr(`slave ${id}: ${reason}\n`);
      }
    }
  } finally {
    await bus.stop();
  }
  return failed ? EXIT.invalid : EXIT.ok;
}
