// Dispatch of `jiuxiao-sim SUBCOMMAND`. The simulator's commands (devices, platform, fleet) arrive with
// their issues; only what works is listed.

import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { devicesCommand, SimUsageError } from './devices-command.js';
import { centreCommand } from './centre-command.js';
import { demoCommand } from './demo-command.js';
import { fleetCommand } from './fleet-command.js';
import { platformCommand } from './platform-command.js';
import { packageVersion } from '../../config/package-version.js';

export interface SimIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const SIM_USAGE = `jiuxiao-sim: stands in for the sensors and the county platform, so jiuxiao-gateway can be tested without hardware

Usage: jiuxiao-sim COMMAND [options]

Commands:
  demo            the whole loop in one command: embedded broker, simulated venue, the gateway, the
                  reference platform with its console (npm run demo)
  devices         serve simulated devices (Modbus TCP, RTU over TCP, RTU on a serial path)
  fleet           N simulated gateways speaking the contract against a broker (load, platform tests)
  platform        the reference county platform: cases per township → county centre → department,
                  with its console and JSON API
  centre          a fire-monitoring centre speaking GB/T 26875.3 over TCP: checks, confirms, can deny,
                  delay, drop, and sends requests, clock sync and 查岗
  profiles        list the device profiles the simulator can serve, with their points

Options:
  -h, --help      help
  -V, --version   print the version
`;

export async function runSimCli(argv: string[], io: SimIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(SIM_USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (first === 'profiles') {
    if (rest.length) {
      io.stderr(`jiuxiao-sim profiles: unexpected argument ${rest[0]}\n`);
      return 2;
    }
    for (const [name, p] of Object.entries(BUILTIN_PROFILES)) {
      io.stdout(`${name}: ${p.description ?? ''}\n`);
      for (const [point, def] of Object.entries(p.points)) {
        const addr = `fc${def.fc} ${def.address} (0x${def.address.toString(16).toUpperCase().padStart(4, '0')})`;
        io.stdout(`  ${point.padEnd(20)} ${addr.padEnd(18)} ${def.type}${def.unit ? ` ${def.unit}` : ''}\n`);
      }
    }
    return 0;
  }
  const commands: Record<string, typeof devicesCommand> = {
    devices: devicesCommand,
    platform: platformCommand,
    fleet: fleetCommand,
    demo: demoCommand,
    centre: centreCommand,
  };
  const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (command) {
    try {
      return await command(rest, io);
    } catch (err) {
      if (err instanceof SimUsageError) {
        io.stderr(`jiuxiao-sim ${first}: ${err.message}\nRun jiuxiao-sim ${first} --help for usage.\n`);
        return 2;
      }
      io.stderr(`jiuxiao-sim ${first}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  io.stderr(`jiuxiao-sim: unknown command "${first}"; run jiuxiao-sim --help\n`);
  return 2;
}
