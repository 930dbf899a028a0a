// Remote diagnostics (`get-logs`, `get-diagnostics`): what a person at the platform needs to see why a
// box misbehaves, without a site visit — and no more than fits a message. Log lines come from both
// threads in order, already redacted by the logger; the bundle carries versions, the config running (its
// hash, never its text: it may hold secrets), storage integrity, bus and device counters, the recorder's
// picture. Both are capped in size: the oldest lines and the longest lists go first, and say so.

import { packageVersion } from '../../config/package-version.js';
import type { ProcessDiagnostics, RuntimeStatus } from '../control/port.js';
import type { RecentLine } from '../log/recent.js';
import { STORAGE_FORMATS } from './release.js';

/** What one answer may carry: a command result is an outbox row and an MQTT message like any other. */
export const MAX_DIAGNOSTICS_BYTES = 96 * 1024;

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

function levelOf(line: string): number {
  const m = /"level":"(\w+)"/.exec(line) ?? /\b(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b/.exec(line);
  return LEVELS[(m?.[1] ?? 'info').toLowerCase() as keyof typeof LEVELS] ?? 30;
}

/** The last `n` lines of both threads at `level` or above, oldest first, within the size cap. */
export function lastLines(
  main: readonly RecentLine[],
  recorder: readonly RecentLine[],
  n: number,
  level: 'info' | 'warn' | 'error',
): { lines: string[]; truncated: boolean } {
  const min = LEVELS[level];
  const all = [...main, ...recorder].filter((l) => levelOf(l.line) >= min).sort((a, b) => a.at - b.at);
  let lines = all.slice(-n).map((l) => l.line);
  let truncated = all.length > n;
  let bytes = lines.reduce((s, l) => s + Buffer.byteLength(l) + 3, 0);
  while (bytes > MAX_DIAGNOSTICS_BYTES && lines.length) {
    bytes -= Buffer.byteLength(lines[0] as string) + 3;
    lines = lines.slice(1);
    truncated = true;
  }
  return { lines, truncated };
}

/** The diagnostics bundle, within the size cap. */
export function diagnosticsBundle(parts: {
  status: RuntimeStatus;
  main: ProcessDiagnostics;
  recorder: Record<string, unknown>;
  uptimeS: number;
}): Record<string, unknown> {
  const s = parts.status;
  const bundle: Record<string, unknown> = {
    versions: { gateway: packageVersion(), node: process.version, arch: process.arch, platform: process.platform, storage: STORAGE_FORMATS },
    // Since the service last started (a config switch restarts it).
    serviceUptimeS: parts.uptimeS,
    config: parts.main.config,
    ...(parts.main.update ? { update: parts.main.update } : {}),
    memory: { rssMB: Math.round(process.memoryUsage.rss() / 1048576) },
    storage: { ...(parts.recorder.storage as object), runtime: s.storage },
    buses: s.buses,
    devices: s.devices,
    outputs: s.outputs,
    closedValves: s.closedValves,
    maintenance: s.maintenance,
    channels: s.channels.filter((c) => c.state !== 'normal'),
    recording: parts.recorder.recording,
  };
  // Over the cap (a box with hundreds of devices): the long lists are cut, and the bundle says so.
  for (const key of ['channels', 'devices', 'buses'] as const) {
    if (Buffer.byteLength(JSON.stringify(bundle)) <= MAX_DIAGNOSTICS_BYTES) break;
    const list = bundle[key] as unknown[];
    bundle[key] = list.slice(0, 20);
    bundle.truncated = [...((bundle.truncated as string[] | undefined) ?? []), `${key}: first 20 of ${list.length}`];
  }
  return bundle;
}
