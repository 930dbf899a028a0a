// `jiuxiao-gateway scan`: which slave ids answer on a line, at which baud rate and parity. What an
// installer runs first on a bus of unknown devices.

import { parseArgs } from 'node:util';
import { BAUD_RATES } from '../../config/index.js';
import { endpointFlags, FIELD_OPTIONS, idRangeFlag, intFlag, parityFlag, baudFlag } from './field-flags.js';
import { FieldError, type Parity } from '../commission/field-bus.js';
import { scanLine, type ScanHit } from '../commission/line-scan.js';
import { langOf } from '../i18n/i18n.js';
import { EXIT, parseOrUsage, type CliIo } from './io.js';

const SCAN_USAGE = `Usage: jiuxiao-gateway scan (--port PATH | --tcp HOST:PORT [--rtu-over-tcp])
                            [--baud N[,N…]|auto] [--parity none|even|odd|auto] [--ids A-B]
                            [--timeout MS] [--json]

Asks each slave id for holding register 0 and lists those that answer; an exception is an answer too,
but for exceptions 10 and 11, which a Modbus TCP gateway gives for an id nobody on its line answers to.
Serial lines default to 9600 8N1; --baud auto tries ${BAUD_RATES.join(', ')}, --parity auto none, even, odd.
Behind a serial server (--rtu-over-tcp) the line runs at the server's own settings: --baud and --parity set
nothing there, and no baud rate is reported. An id that answers at several settings is listed once.

  --ids A-B       range of slave ids (default 1-247)
  --timeout MS    how long to wait for each id (default 100 serial, 300 TCP)
  --json          print [{"id": N, "baud": B, "parity": P, "answer": "..."}]

Exit 0 when at least one id answered, 1 when none did or the line cannot be opened.
`;

const SCAN_USAGE_ZH = `用法：jiuxiao-gateway scan (--port PATH | --tcp HOST:PORT [--rtu-over-tcp])
                            [--baud N[,N…]|auto] [--parity none|even|odd|auto] [--ids A-B]
                            [--timeout MS] [--json]

逐个从站地址读取保持寄存器 0，列出有应答的地址；异常应答也算应答，但 10、11 号异常除外（那是 Modbus TCP
网关在其线路上无人应答时给出的）。串口默认 9600 8N1；--baud auto 依次尝试 ${BAUD_RATES.join(', ')}，
--parity auto 尝试 none、even、odd。经串口服务器（--rtu-over-tcp）时线路按服务器自身的参数运行：
--baud 和 --parity 对其无效，也不报告波特率。在多种参数下都应答的地址只列一次。

  --ids A-B       从站地址范围（默认 1-247）
  --timeout MS    每个地址的等待时间（串口默认 100，TCP 默认 300）
  --json          输出 [{"id": N, "baud": B, "parity": P, "answer": "..."}]

退出码：至少一个地址应答为 0；都未应答或线路无法打开为 1。
`;

export async function scanCommand(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseOrUsage('scan', () => parseArgs({ args: argv, options: { ...FIELD_OPTIONS, ids: { type: 'string' } }, allowPositionals: false }));
  if (v.help) {
    io.stdout(langOf(io.env) === 'zh' ? SCAN_USAGE_ZH : SCAN_USAGE);
    return EXIT.ok;
  }
  const ep = endpointFlags('scan', v);
  const [first, last] = idRangeFlag('scan', v.ids, [0, 255]);
  // Only a serial port of this box is ours to set: behind a TCP serial server (RTU over TCP) the line runs
  // at the server's own settings, whatever we ask, so any baud we printed would be a claim we cannot make.
  const serialLine = ep.kind === 'serial';
  const timeoutMs = intFlag('scan', 'timeout', v.timeout, 10, 10_000) ?? (ep.kind === 'serial' ? 100 : 300);
  const asked = v.baud === undefined || v.baud === 'auto' ? [9600] : v.baud.split(',').map((b) => baudFlag('scan', b));
  if (!serialLine && (v.baud !== undefined || v.parity !== undefined))
    io.stderr(
      `scan: --baud and --parity set nothing on ${ep.describe}: the line behind it runs at the serial server's own settings (set them on the server); scanning slave ids only\n`,
    );
  const bauds = !serialLine ? asked.slice(0, 1) : v.baud === 'auto' ? [...BAUD_RATES] : asked;
  const parities: Parity[] = !serialLine ? ['none'] : v.parity === 'auto' ? ['none', 'even', 'odd'] : [parityFlag('scan', v.parity) ?? 'none'];

  const settings = bauds.flatMap((baud) => parities.map((parity) => ({ baud, parity })));
  let hits: ScanHit[];
  try {
    hits = await scanLine(
      ep,
      { settings, first, last, timeoutMs },
      {
        setting: (st) => {
          if (!v.json && settings.length > 1) io.stderr(`scanning ${ep.describe} at ${st.baud} ${st.parity} …\n`);
        },
        hit: (h) => {
          if (!v.json) io.stdout(`slave ${h.id}${h.baud !== undefined ? ` at ${h.baud} 8${h.parity?.[0]?.toUpperCase()}1` : ''}: ${h.answer}\n`);
        },
      },
    );
  } catch (err) {
    if (err instanceof FieldError) {
      io.stderr(`jiuxiao-gateway scan: ${err.message}\n`);
      return EXIT.invalid;
    }
    throw err;
  }
  if (v.json) io.stdout(`${JSON.stringify(hits)}\n`);
  else {
    for (const h of hits.filter((x) => x.alsoAt)) {
      const n = (h.alsoAt?.length ?? 0) + 1;
      io.stdout(
        `slave ${h.id} answered at ${n === settings.length ? `every setting tried (${n})` : `${n} settings`}: this line does not tell them apart (a pseudo-terminal, or a converter that re-frames); use the setting the device's manual gives\n`,
      );
    }
  }
  if (!v.json) io.stdout(hits.length ? `${hits.length} slave id(s) answered\n` : `no slave id answered in ${first}-${last}\n`);
  // Nothing found is a failed search: scripts can test the exit code.
  return hits.length ? EXIT.ok : EXIT.invalid;
}
