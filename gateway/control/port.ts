// What may be asked of the running gateway, from the box (the Unix control socket: `jiuxiao-gateway
// reset`, `status`, `silence`, `maintenance`) or from the platform (MQTT commands). One interface and one
// place that carries the requests out, so local and remote differ only where the rules say they do:
// a remote reset never reopens a gas valve nor resets a gas alarm; a remote maintenance never touches
// a gas detector.

import type { BusStats } from '../../drivers/bus/bus.js';
import type { DeviceStatus } from '../../drivers/bus/poller.js';
import type { ChannelInfo } from '../detect/detector.js';
import type { OutputStatus } from '../outputs/reconciler.js';

export type Source = 'local' | 'remote';

type MaintenanceAnswer = { ok: true } | { ok: false; reason: string };
export type InspectionAnswer = { ok: true } | { ok: false; reason: string };

export interface ResetResult {
  /** What was reset: alarms (`device/channel`) and gas valves confirmed open. */
  reset: string[];
  refused: { target: string; reason: string }[];
  /**
   * Each gas valve a local reset reopened, as its driver reported it (read back where it can be):
   * open and confirmed, or why not. A valve not confirmed open is also under `refused`.
   */
  valves?: { output: string; open: boolean; level: 'on' | 'off' | null; detail: string }[];
}

/** Whether the box can keep what happens: the state file and the recording of events. */
export interface StorageHealth {
  ok: boolean;
  /** Failures since start (state saves and event records). */
  failures: number;
  lastError: string | null;
  /** Events not yet recorded, waiting for a retry. */
  unrecorded: number;
  /** Channel states or valves changed and not yet saved. */
  unsaved: boolean;
}

/** What the running gateway is doing: the control socket's `status`, the heartbeat, the status page. */
export interface RuntimeStatus {
  gateway: string;
  devices: DeviceStatus[];
  channels: ChannelInfo[];
  outputs: Record<string, OutputStatus>;
  closedValves: string[];
  /** Devices in maintenance/test mode. */
  maintenance: string[];
  buses: ({ id: string; link: 'up' | 'down'; reason: string } & BusStats)[];
  storage: StorageHealth;
}

/** A whole config sent from the platform (the `apply-config` command's arguments). */
export interface ConfigOffer {
  version: string;
  sha256: string;
  config: string;
  probationS: number;
}

/** A signed software release offered by the platform (the `update` command's arguments). */
export interface UpdateOffer {
  /** The release manifest's exact text, as signed. */
  manifest: string;
  /** Ed25519 signature of the manifest's UTF-8 bytes, base64. */
  signature: string;
  /** Where the bundle is fetched from (HTTP or HTTPS, `Range` honoured). */
  url: string;
  /** Seconds the new version has, from the switch, to be healthy. */
  healthS: number;
}

/** What the box answers to a config offer: refused (with the diagnostics, as codes), or on probation. */
export interface ConfigAnswer {
  ok: boolean;
  reason: string | null;
  result?: unknown;
}

export interface ControlPort {
  status(): RuntimeStatus;
  reset(scope: { device?: string; channel?: string; valve?: string }, source: Source): Promise<ResetResult>;
  silence(): Promise<string[]>;
  setMaintenance(device: string, on: boolean, opts: { linkageTest?: boolean; source: Source }): MaintenanceAnswer | Promise<MaintenanceAnswer>;
  /** A person on site answers the monitoring centre's inspection (查岗); only the whole gateway has a centre. */
  answerInspection?(): Promise<InspectionAnswer>;
  /** Takes a config from the platform: checks it, applies it on probation (only `run` can: it restarts the service). */
  applyConfig?(offer: ConfigOffer): Promise<ConfigAnswer>;
  /** Takes a signed software release from the platform (only `run` installed from a bundle can). */
  update?(offer: UpdateOffer): Promise<ConfigAnswer>;
  /** What the polling thread knows for remote diagnostics: its last log lines, the config running. */
  diagnostics?(): Promise<ProcessDiagnostics>;
}

export interface ProcessDiagnostics {
  logs: { at: number; line: string }[];
  /** The runtime's status now (the recorder's copy may be a second old). */
  status?: RuntimeStatus;
  config: { n: number; version: string; sha256: string; by: string; state: string } | null;
  /** The software update under way, if the box takes updates. */
  update?: Record<string, unknown>;
}

export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'reset'; device?: string | undefined; channel?: string | undefined; valve?: string | undefined }
  | { cmd: 'silence' }
  | { cmd: 'maintenance'; device: string; on: boolean; linkageTest?: boolean | undefined }
  | { cmd: 'answer-inspection' };

export interface ControlAnswer {
  ok: boolean;
  /** Why it was refused, when it was. */
  reason: string | null;
  result?: unknown;
}

/** Carries out one request on the port, for a source; refusals come back with their reason. */
export async function control(port: ControlPort, q: ControlRequest, source: Source): Promise<ControlAnswer> {
  switch (q.cmd) {
    case 'status':
      return { ok: true, reason: null, result: port.status() };
    case 'reset': {
      const scope = { ...(q.device ? { device: q.device } : {}), ...(q.channel ? { channel: q.channel } : {}), ...(q.valve ? { valve: q.valve } : {}) };
      const r = await port.reset(scope, source);
      return { ok: r.refused.length === 0, reason: r.refused.length ? r.refused.map((x) => `${x.target}: ${x.reason}`).join('; ') : null, result: r };
    }
    case 'silence':
      return { ok: true, reason: null, result: { silenced: await port.silence() } };
    case 'maintenance': {
      const r = await port.setMaintenance(q.device, q.on, { linkageTest: q.linkageTest === true, source });
      return r.ok ? { ok: true, reason: null } : { ok: false, reason: r.reason };
    }
    case 'answer-inspection': {
      // Only a person at the box answers: the request comes over the local socket, never from the platform.
      if (source !== 'local') return { ok: false, reason: 'an inspection is answered on site only' };
      const r = port.answerInspection ? await port.answerInspection() : ({ ok: false, reason: 'no monitoring centre is configured' } as const);
      return r.ok ? { ok: true, reason: null } : { ok: false, reason: r.reason };
    }
  }
}
