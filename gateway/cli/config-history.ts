// `jiuxiao-gateway config history|rollback --config FILE`: the configs this box has run (the installer's
// file and those the platform sent, with what became of each), and going back to one of them on site.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigStore, sha256Of, type ConfigEntry } from '../fleet/config-store.js';
import { dataDirOf } from './local.js';
import { EXIT, parseOrUsage, UsageError, type CliIo } from './io.js';

const USAGE = `Usage: jiuxiao-gateway config history --config FILE [--json]
       jiuxiao-gateway config rollback --config FILE [--to N]

history   the configs this box has run, newest last: number, version, who sent it (site: the installer's
          file; platform: a remote config), what became of it (probation, kept, rolled-back) and why.
rollback  runs config N (default: the last kept one before the current) from the next start on, in place
          of the installer's file; on site any config of the history may be chosen. Restart the gateway
          (systemctl restart jiuxiao-gateway) to run it now. Editing the installer's file wins over both.
`;

function line(e: ConfigEntry, current: boolean): string {
  const why = e.reason ? `  ${e.reason}` : '';
  return `${current ? '*' : ' '} ${String(e.n).padStart(3)}  ${e.at.slice(0, 19).replace('T', ' ')}Z  ${e.version.padEnd(16)} ${e.by.padEnd(8)} ${e.state.padEnd(11)} ${e.sha256.slice(0, 12)}${why}`;
}

export async function configCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(USAGE);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'history' && sub !== 'rollback') throw new UsageError(`config: unknown subcommand "${sub}": history or rollback`);
  const { values: v } = parseOrUsage(`config ${sub}`, () =>
    parseArgs({
      args: rest,
      options: { config: { type: 'string' }, json: { type: 'boolean' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    }),
  );
  if (v.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const store = new ConfigStore(dataDirOf(`config ${sub}`, v.config, io));
  const entries = store.list();
  if (sub === 'history') {
    if (v.json) io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
    else if (!entries.length) io.stdout('no config recorded yet: the gateway records its config when it starts\n');
    else io.stdout(`${entries.map((e, i) => line(e, i === entries.length - 1)).join('\n')}\n`);
    return EXIT.ok;
  }
  const cur = store.current();
  if (!cur) throw new UsageError('config rollback: no config recorded yet');
  const to = v.to !== undefined ? entries.find((e) => String(e.n) === v.to) : store.previousKept(cur.n);
  if (!to) {
    io.stderr(`jiuxiao-gateway config rollback: ${v.to !== undefined ? `no config ${v.to} in the history` : 'no kept config before the current one'}\n`);
    return EXIT.invalid;
  }
  const site = readFileSync(v.config as string, 'utf8');
  const e = store.restore(to, sha256Of(site), `rolled back on site to ${to.n} (${to.version})`);
  io.stdout(`config ${to.n} (${to.version}) runs from the next start on, as ${e.n}: restart the gateway to run it now\n`);
  return EXIT.ok;
}
