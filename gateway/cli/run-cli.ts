// Dispatch of `jiuxiao-gateway SUBCOMMAND`. Commands are listed here only once they work.

import { EXIT, UsageError, type CliIo } from './io.js';
import { packageVersion } from '../../config/package-version.js';
import { langOf } from '../i18n/i18n.js';

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
  answer-inspection --config FILE
                               answer the monitoring centre's inspection (查岗) as the person on duty
  config history|rollback --config FILE
                               the configs this box has run (site and platform), and going back to one
  schema                       print the JSON Schema of the config file (for editor completion)
  help [COMMAND]               this text, or a command's own help

Options:
  -h, --help       help
  -V, --version    print the version

Exit codes: 0 ok, 1 invalid input, 2 usage error or unreadable file.
`;

/** The same help in Chinese, for a Chinese locale (LANG=zh_CN.UTF-8): commands and flags stay as typed. */
const USAGE_ZH = `jiuxiao-gateway：九小场所网关 —— Modbus 传感器、本地报警与联动、MQTT 上报县级平台

用法：jiuxiao-gateway 命令 [选项]

命令：
  run --config FILE            运行网关：轮询、判断、驱动输出、保存状态
  commission [--port PATH | --tcp HOST:PORT]… [--answers FILE] [--out FILE]
                               调试：扫描线路、识别设备、询问场所情况、建议燃气联动，生成通过检查的配置
  check-config FILE [--json]   检查配置文件：逐条给出错误及行号，以及场所风险等级
  scan  (--port PATH | --tcp HOST:PORT [--rtu-over-tcp]) [--baud N] [--ids A-B]
                               线路上哪些从站地址应答，在何种波特率和校验下
  read  (--port PATH | --tcp HOST:PORT [--rtu-over-tcp]) --id N (--profile NAME | --fc F --address A)
                               读取一台设备的解码数据或原始寄存器；--repeat N 连续观察
  reset --config FILE [--device ID [--channel C] | --valve OUTPUT]
                               现场复位：锁存的报警、已关闭的燃气阀
  status --config FILE         与状态页相同：状态、已关闭的燃气阀、上报、待发、读数（--lang zh）
  maintenance --config FILE --device ID on|off [--linkage-test]
                               设备检修/测试模式
  silence --config FILE        消音，直到下一次报警
  answer-inspection --config FILE
                               值班人员应答消防远程监控中心的查岗
  config history|rollback --config FILE
                               本机运行过的配置（现场和平台下发），以及回退到其中之一
  schema                       输出配置文件的 JSON Schema（供编辑器补全）
  help [COMMAND]               本帮助，或某个命令的帮助

选项：
  -h, --help       帮助
  -V, --version    版本

退出码：0 正常，1 输入无效，2 用法错误或文件无法读取。English: LANG=C jiuxiao-gateway --help
`;

type Command = (argv: string[], io: CliIo) => number | Promise<number>;

// Each command's modules are loaded when it runs: `run` on a small box should not carry the wizard, the
// field tools or the JSON Schema generator in memory (issue 11, footprint).
const COMMANDS: Record<string, Command> = {
  run: async (argv, io) => (await import('./run.js')).runCommand(argv, io),
  reset: async (argv, io) => (await import('./local.js')).resetCommand(argv, io),
  status: async (argv, io) => (await import('./local.js')).statusCommand(argv, io),
  maintenance: async (argv, io) => (await import('./local.js')).maintenanceCommand(argv, io),
  silence: async (argv, io) => (await import('./local.js')).silenceCommand(argv, io),
  'answer-inspection': async (argv, io) => (await import('./local.js')).answerInspectionCommand(argv, io),
  config: async (argv, io) => (await import('./config-history.js')).configCommand(argv, io),
  'check-config': async (argv, io) => (await import('./check-config.js')).checkConfigCommand(argv, io),
  commission: async (argv, io) => (await import('./commission.js')).commissionCommand(argv, io),
  scan: async (argv, io) => (await import('./scan.js')).scanCommand(argv, io),
  read: async (argv, io) => (await import('./read.js')).readCommand(argv, io),
  schema: async (argv, io) => {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout('Usage: jiuxiao-gateway schema\n\nPrints the JSON Schema (draft 2020-12) of the config file.\n');
      return EXIT.ok;
    }
    if (argv.length) throw new UsageError(`schema: unexpected argument ${argv[0]}`);
    const { configJsonSchema } = await import('../../config/json-schema.js');
    io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return EXIT.ok;
  },
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    const usage = langOf(io.env) === 'zh' ? USAGE_ZH : USAGE;
    if (first === undefined || first === '--help' || first === '-h') {
      io.stdout(usage);
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-V') {
      io.stdout(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (first === 'help') {
      const target = rest[0];
      if (target === undefined) {
        io.stdout(usage);
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
