// Dispatch of `jiuxiao-gateway SUBCOMMAND`. Commands are listed here only once they work.

import { configJsonSchema } from '../../config/index.js';
import { checkConfigCommand } from './check-config.js';
import { commissionCommand } from './commission.js';
import { readCommand } from './read.js';
import { maintenanceCommand, resetCommand, silenceCommand, statusCommand } from './local.js';
import { runCommand } from './run.js';
import { scanCommand } from './scan.js';
import { EXIT, UsageError, type CliIo } from './io.js';
import { packageVersion } from '../../config/package-version.js';

const USAGE = `jiuxiao-gateway: the gateway of a small venue (九小场所): Modbus sensors, local alarms, MQTT to the county platform

Usage: jiuxiao-gateway COMMAND [options]

Commands:
  run --config FILE            run the gateway: poll, detect, drive outputs, keep state
  commission [--port PATH | --tcp HOST:PORT]… [--answers FILE] [--out FILE]
                               from a bare box to a checked config: scan the lines, name the devices,
                               ask the venue facts, propose the gas linkage (中文: --lang zh)
  check-config FILE [--json]   validate a config file: every error with its line, the venue's risk colour
  scan  (--port PATH | --tcp HOST:PORT [--rtu-over-tcp]) [--baud N] [--ids A-B]
                               which slave ids answer on a line, at which baud rate and parity
  read  (--port PATH | --tcp HOST:PORT [--rtu-over-tcp]) --id N (--profile NAME | --fc F --address A)
                               one device's decoded points or raw registers; --repeat N to watch
  reset --config FILE [--device ID [--channel C] | --valve OUTPUT]
                               local reset on the box: latched alarms, closed gas valves
  status --config FILE         what the status page shows: state, closed valves, uplink, backlog, values
  maintenance --config FILE --device ID on|off [--linkage-test]
                               maintenance/test mode (检修/测试) of a device
  silence --config FILE        silence the buzzers until the next alarm
  schema                       print the JSON Schema of the config file (for editor completion)
  help [COMMAND]               this text, or a command's own help

Options:
  -h, --help       help
  -V, --version    print the version

Exit codes: 0 ok, 1 invalid input, 2 usage error or unreadable file.
`;

type Command = (argv: string[], io: CliIo) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  reset: resetCommand,
  status: statusCommand,
  maintenance: maintenanceCommand,
  silence: silenceCommand,
  'check-config': checkConfigCommand,
  commission: commissionCommand,
  scan: scanCommand,
  read: readCommand,
  schema: (argv, io) => {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout('Usage: jiuxiao-gateway schema\n\nPrints the JSON Schema (draft 2020-12) of the config file.\n');
      return EXIT.ok;
    }
    if (argv.length) throw new UsageError(`schema: unexpected argument ${argv[0]}`);
    io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return EXIT.ok;
  },
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '--help' || first === '-h') {
      io.stdout(USAGE);
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-V') {
      io.stdout(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (first === 'help') {
      const target = rest[0];
      if (target === undefined) {
        io.stdout(USAGE);
        return EXIT.ok;
      }
      const cmd = COMMANDS[target];
      if (!cmd) throw new UsageError(`help: unknown command "${target}"`);
      return await cmd(['--help'], io);
    }
    const cmd = COMMANDS[first];
    if (!cmd) throw new UsageError(`unknown command "${first}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await cmd(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`jiuxiao-gateway ${err.message}\nRun jiuxiao-gateway --help for usage.\n`);
      return EXIT.usage;
    }
    // A bug, not bad input: say so plainly, without a stack trace for the installer (JX_DEBUG=1 shows it).
    io.stderr(`jiuxiao-gateway: internal error: ${(err as Error).message}\n`);
    if (io.env.JX_DEBUG) io.stderr(`${(err as Error).stack ?? ''}\n`);
    return 70;
  }
}
