// `jiuxiao-sim centre`: a simulated GB/T 26875.3 fire-monitoring centre, until SIGINT/SIGTERM. Prints one
// line per frame; with --record FILE, every frame as a JSON line too. A running centre takes commands on
// stdin (one per line) to deny, delay, go silent, drop, or send requests, clock sync and 查岗.

import { createInterface } from 'node:readline';
import { COMMANDS, timeLabelOf } from '../../gateway/centre/gbt26875/frame.js';
import type { DataUnit } from '../../gateway/centre/gbt26875/units.js';
import { SimCentre, type Behaviour, type CentreRecord } from '../centre/centre.js';
import { simFlags, SimUsageError, wholeFlag } from './devices-command.js';

const CENTRE_USAGE = `Usage: jiuxiao-sim centre [--port N] [--host ADDR] [--address N] [--record FILE]
                         [--deny | --silent | --drop | --delay MS]

A simulated fire-monitoring centre (城市消防远程监控中心) speaking GB/T 26875.3-2011 over TCP: it checks
every frame, confirms what the boxes send, prints one line per frame, and takes commands on stdin.

  --port N        listen port (default 9002; 0: any free port, printed)
  --host ADDR     bind address (default 127.0.0.1)
  --address N     the centre's 6-byte address (default 1)
  --record FILE   append every frame, decoded, as a JSON line
  --deny | --silent | --drop | --delay MS
                  how data frames are answered from the start (default: confirm)

Commands on stdin: confirm · deny [N] · silent [N] · drop · delay MS · status (81) · time (88) ·
version (85) · sync (90: our clock) · inspect [MIN] (91) · component ADDR (62) · value ADDR (63) ·
cut (drop every connection) · quit
`;

function line(r: CentreRecord): string {
  const cmd = Object.entries(COMMANDS).find(([, v]) => v === r.command)?.[0] ?? String(r.command);
  const what = r.rejected ? `REJECTED ${r.rejected}` : r.unit ? `type ${r.unit.type} × ${r.unit.objects.length} ${JSON.stringify(r.unit.objects)}` : '';
  return `${r.at} ${r.dir === 'in' ? '<-' : '->'} ${cmd} #${r.serial} ${what}`.trimEnd();
}

export async function centreCommand(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(CENTRE_USAGE);
    return 0;
  }
  const v = simFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    address: { type: 'string' },
    record: { type: 'string' },
    deny: { type: 'boolean' },
    silent: { type: 'boolean' },
    drop: { type: 'boolean' },
    delay: { type: 'string' },
  });
  const chosen = [v.deny, v.silent, v.drop, v.delay !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new SimUsageError('give at most one of --deny, --silent, --drop, --delay');
  const centre = new SimCentre({
    port: wholeFlag('port', v.port, 9002, 65535),
    host: v.host ?? '127.0.0.1',
    address: wholeFlag('address', v.address, 1, 2 ** 48 - 1),
    ...(v.record !== undefined ? { recordFile: v.record } : {}),
  });
  const initial: Behaviour | undefined = v.deny
    ? { answer: 'deny' }
    : v.silent
      ? { answer: 'silent' }
      : v.drop
        ? { answer: 'drop' }
        : v.delay !== undefined
          ? { answer: 'delay', ms: wholeFlag('delay', v.delay, 0, 600_000) }
          : undefined;
  if (initial) centre.behave(initial);
  let printed = 0;
  const print = setInterval(() => {
    for (; printed < centre.got.length; printed++) io.stdout(`${line(centre.got[printed] as CentreRecord)}\n`);
  }, 100);
  let port: number;
  try {
    port = await centre.listen();
  } catch (err) {
    clearInterval(print);
    io.stderr(`jiuxiao-sim centre: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout(`centre on ${v.host ?? '127.0.0.1'}:${port} (GB/T 26875.3, address ${v.address ?? 1})\nready\n`);
  const ask = (command: (typeof COMMANDS)[keyof typeof COMMANDS], unit: DataUnit) =>
    centre.connections === 0 ? io.stdout('no box connected\n') : centre.ask(command, unit).catch((err: Error) => io.stdout(`no answer: ${err.message}\n`));
  const rl = createInterface({ input: process.stdin, terminal: false });
  const done = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    rl.on('line', (text) => {
      const [word, arg] = text.trim().split(/\s+/);
      const n = arg !== undefined && /^\d+$/.test(arg) ? Number(arg) : undefined;
      switch (word) {
        case 'confirm':
          return centre.behave({ answer: 'confirm' });
        case 'deny':
          return centre.behave({ answer: 'deny', ...(n !== undefined ? { count: n } : {}) });
        case 'silent':
          return centre.behave({ answer: 'silent', ...(n !== undefined ? { count: n } : {}) });
        case 'drop':
          return centre.behave({ answer: 'drop' });
        case 'delay':
          return centre.behave({ answer: 'delay', ms: n ?? 5000 });
        case 'status':
          return void ask(COMMANDS.request, { type: 81, objects: [{ type: 81, reserved: 0 }] });
        case 'time':
          return void ask(COMMANDS.request, { type: 88, objects: [{ type: 88, reserved: 0 }] });
        case 'version':
          return void ask(COMMANDS.request, { type: 85, objects: [{ type: 85, reserved: 0 }] });
        case 'sync':
          return void ask(COMMANDS.control, { type: 90, objects: [{ type: 90, clock: timeLabelOf(new Date(), 'Asia/Shanghai') }] });
        case 'inspect':
          return void ask(COMMANDS.control, { type: 91, objects: [{ type: 91, timeoutMinutes: n ?? 10 }] });
        case 'component':
          return void ask(COMMANDS.request, { type: 62, objects: [{ type: 62, systemType: 1, systemAddress: 0, componentAddress: n ?? 0 }] });
        case 'value':
          return void ask(COMMANDS.request, { type: 63, objects: [{ type: 63, systemType: 1, systemAddress: 0, componentAddress: n ?? 0 }] });
        case 'cut':
          return centre.dropAll();
        case 'quit':
          return resolve();
        case '':
        case undefined:
          return;
        default:
          io.stdout(`unknown command "${word}" (see --help)\n`);
      }
    });
  });
  await done;
  rl.close();
  clearInterval(print);
  for (; printed < centre.got.length; printed++) io.stdout(`${line(centre.got[printed] as CentreRecord)}\n`);
  await centre.close();
  return 0;
}
