// Commands from the platform (the `cmd` topic). Each is validated (size, JSON, shape, name, arguments,
// expiry) and answered on `cmd/result` with its id; a repeated id is answered again from memory, never
// executed twice. Bad input is refused with a reason and changes nothing (invariant 7). A gas valve is
// never reopened from here (invariant 6): `reset` is remote, so it resets fire alarms only.

import type { Command } from '../contract/messages.js';
import { COMMAND_NAMES, MAX_COMMAND_BYTES, MAX_CONFIG_COMMAND_BYTES } from '../contract/topics.js';
import type { Logger } from '../log/logger.js';
import type { RecentLines } from '../log/recent.js';
import type { LogThrottle } from '../log/throttle.js';
import type { Outbox } from '../outbox/outbox.js';
import type { SystemClock } from '../uplink/clock.js';
import type { Reporter } from '../uplink/reporter.js';
import type { AnsweredCommands } from './answered.js';
import { control, type ControlPort } from './port.js';

interface Answer {
  ok: boolean;
  reason: string | null;
  name: string | null;
  result?: unknown;
}

export interface CommandContext {
  port: ControlPort;
  reporter: Reporter;
  outbox: Outbox;
  answered: AnsweredCommands;
  clock: SystemClock;
  boot: string;
  log: Logger;
  /** Lines the platform's commands cause: rate-limited (a command flood must not fill the disk). */
  noisy: LogThrottle;
  extraStatus: () => Record<string, unknown>;
  /** This thread's last log lines (`get-logs`). */
  recent?: RecentLines;
  /** The recorder's part of `get-diagnostics`: storage integrity, its picture. */
  diagnose?: () => Record<string, unknown>;
}

const started = performance.now();

export async function handleCommand(payload: Buffer, ctx: CommandContext): Promise<void> {
  const { id, answer } = await decide(payload, ctx);
  ctx.reporter.result(id, answer.name, answer.ok, answer.reason, answer.result);
  ctx.noisy.info('command', { command: id, name: answer.name, ok: answer.ok, reason: answer.reason }, 'command answered');
}

function refuse(name: string | null, reason: string): Answer {
  return { ok: false, reason, name };
}

async function decide(payload: Buffer, ctx: CommandContext): Promise<{ id: string; answer: Answer }> {
  // A config offer is the one command that may be larger (a whole config); every other stays small.
  if (payload.length > MAX_CONFIG_COMMAND_BYTES)
    return { id: 'unparseable', answer: refuse(null, `command of ${payload.length} bytes is over the ${MAX_CONFIG_COMMAND_BYTES}-byte limit`) };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { id: 'unparseable', answer: refuse(null, 'command is not JSON') };
  }
  const rawId =
    json !== null && typeof json === 'object' && typeof (json as { id?: unknown }).id === 'string'
      ? (json as { id: string }).id.slice(0, 128) || 'unparseable'
      : 'unparseable';
  // The schemas (zod) are loaded with the first command, not at start: most boxes get few commands, and
  // the recorder thread stays smaller without them (issue 11, footprint).
  const { Command } = await import('../contract/messages.js');
  const parsed = Command.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'command';
    const name = (json as { name?: unknown } | null)?.name;
    const reason =
      issue?.path[0] === 'name' && typeof name === 'string'
        ? `unknown command "${name.slice(0, 40)}"; known: ${COMMAND_NAMES.join(', ')}`
        : `${where}: ${issue?.message ?? 'malformed'}`;
    return { id: rawId, answer: refuse(null, `malformed command: ${reason}`) };
  }
  const cmd = parsed.data;
  if (cmd.name !== 'apply-config' && payload.length > MAX_COMMAND_BYTES)
    return { id: cmd.id, answer: refuse(cmd.name, `command of ${payload.length} bytes is over the ${MAX_COMMAND_BYTES}-byte limit`) };
  const previous = ctx.answered.recall(cmd.id) as Answer | undefined;
  if (previous) return { id: cmd.id, answer: previous };
  const answer = await execute(cmd, ctx);
  ctx.answered.remember(cmd.id, cmd.name, answer);
  return { id: cmd.id, answer };
}

async function execute(cmd: Command, ctx: CommandContext): Promise<Answer> {
  if (cmd.expiresAt !== undefined) {
    const t = Date.parse(cmd.expiresAt);
    if (Number.isNaN(t)) return refuse(cmd.name, `expiresAt "${cmd.expiresAt}" is not a time`);
    if (t < Date.now()) return refuse(cmd.name, `expired at ${cmd.expiresAt}`);
  }
  const { CommandArgs } = await import('../contract/messages.js');
  const args = CommandArgs[cmd.name].safeParse(cmd.args);
  if (!args.success) return refuse(cmd.name, `bad args: ${args.error.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ')}`);
  const a = args.data as Record<string, unknown>;
  switch (cmd.name) {
    case 'ping':
      return { ok: true, reason: null, name: 'ping', result: { pong: true, at: new Date().toISOString() } };
    case 'get-status':
      return { ok: true, reason: null, name: 'get-status', result: { ...ctx.port.status(), ...ctx.extraStatus() } };
    case 'ack-alarm':
      return ctx.reporter.acknowledge(a.alarmId as string, a.by as string | undefined)
        ? { ok: true, reason: null, name: 'ack-alarm' }
        : refuse('ack-alarm', `no open alarm with id "${String(a.alarmId).slice(0, 80)}"`);
    case 'silence':
    case 'reset':
    case 'maintenance': {
      // The same handling as on the box, as a remote source: a gas valve is never reopened from here.
      const request =
        cmd.name === 'silence'
          ? { cmd: 'silence' as const }
          : cmd.name === 'reset'
            ? { cmd: 'reset' as const, device: a.device as string | undefined, channel: a.channel as string | undefined }
            : { cmd: 'maintenance' as const, device: a.device as string, on: a.on as boolean };
      const r = await control(ctx.port, request, 'remote');
      return { ok: r.ok, reason: r.reason, name: cmd.name, ...(r.result !== undefined && cmd.name === 'reset' ? { result: r.result } : {}) };
    }
    case 'sync-time': {
      const v = ctx.clock.vouch(Date.parse(a.now as string));
      if (!v.ok)
        return refuse('sync-time', `our clock differs by ${(v.offsetMs / 1000).toFixed(1)} s: the gateway does not set the system clock; check NTP on the box`);
      const corrected = ctx.outbox.correctClock(ctx.boot, Date.now(), performance.now());
      ctx.reporter.event('clock', { synced: true, correctedEvents: corrected, by: 'sync-time' });
      return { ok: true, reason: null, name: 'sync-time', result: { offsetMs: v.offsetMs, correctedEvents: corrected } };
    }
    case 'get-logs': {
      const main = ctx.port.diagnostics ? await ctx.port.diagnostics() : { logs: [], config: null };
      const { lastLines } = await import('../fleet/diagnostics.js');
      const n = a.lines as number;
      return { ok: true, reason: null, name: 'get-logs', result: lastLines(main.logs, ctx.recent?.last(500) ?? [], n, a.level as 'info') };
    }
    case 'get-diagnostics': {
      const main = ctx.port.diagnostics ? await ctx.port.diagnostics() : { logs: [], config: null };
      const { diagnosticsBundle } = await import('../fleet/diagnostics.js');
      const result = diagnosticsBundle({
        status: main.status ?? ctx.port.status(),
        main,
        recorder: ctx.diagnose?.() ?? {},
        uptimeS: Math.round((performance.now() - started) / 1000),
      });
      return { ok: true, reason: null, name: 'get-diagnostics', result };
    }
    case 'update': {
      if (!ctx.port.update)
        return refuse('update', 'this gateway takes no software from the platform (only `jiuxiao-gateway run` installed from a release bundle does)');
      const r = await ctx.port.update({ manifest: a.manifest as string, signature: a.signature as string, url: a.url as string, healthS: a.healthS as number });
      return { ok: r.ok, reason: r.reason, name: 'update', ...(r.result !== undefined ? { result: r.result } : {}) };
    }
    case 'apply-config': {
      if (!ctx.port.applyConfig) return refuse('apply-config', 'this gateway takes no config from the platform (only `jiuxiao-gateway run` does)');
      const offer = { version: a.version as string, sha256: a.sha256 as string, config: a.config as string, probationS: a.probationS as number };
      const r = await ctx.port.applyConfig(offer);
      return { ok: r.ok, reason: r.reason, name: 'apply-config', ...(r.result !== undefined ? { result: r.result } : {}) };
    }
  }
}
