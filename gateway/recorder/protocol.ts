// The messages between the runtime's thread and the recorder's worker thread (gateway/recorder/host.ts
// and worker.ts). Structured clones: plain data only.

import type { Config, RiskAssessment } from '../../config/index.js';
import type { DecodedPoint } from '../../drivers/plan/codec.js';
import type { ChannelSnapshot } from '../detect/channel-machine.js';
import type { ConfigAnswer, ConfigOffer, InspectionAnswer, ProcessDiagnostics, ResetResult, RuntimeStatus, Source, UpdateOffer } from '../control/port.js';
import type { GatewayEvent } from '../events.js';
import type { RecorderStopReport, RecorderTimers, RecordingPicture } from './recorder.js';
import type { ComponentMap } from '../centre/gbt26875/components.js';

export interface RecorderInit {
  config: Config;
  risk: RiskAssessment;
  boot: string;
  status: RuntimeStatus;
  log: { level: string; pretty: boolean; time?: boolean; timeZone?: string };
  timers?: RecorderTimers;
  centreMaps?: readonly ComponentMap[];
  /** Count the clock as synced (tests; `JX_CLOCK=synced` does the same). */
  clockSynced?: boolean;
}

/** A call on the runtime's control port, made by the platform's commands on the recorder's side. */
export type ControlCall =
  | { method: 'reset'; scope: { device?: string; channel?: string; valve?: string }; source: Source }
  | { method: 'silence' }
  | { method: 'maintenance'; device: string; on: boolean; linkageTest?: boolean; source: Source }
  | { method: 'apply-config'; offer: ConfigOffer }
  | { method: 'update'; offer: UpdateOffer }
  | { method: 'diagnostics' };

export type ToRecorder =
  | { t: 'event'; e: GatewayEvent }
  | { t: 'reading'; device: string; points: Readonly<Record<string, DecodedPoint>> }
  | { t: 'status'; status: RuntimeStatus }
  | { t: 'save'; changed: [string, ChannelSnapshot][]; valves: readonly string[] }
  | { t: 'answer'; id: number; ok: true; value: ResetResult | string[] | { ok: boolean; reason?: string } | ConfigAnswer | ProcessDiagnostics }
  | { t: 'answer'; id: number; ok: false; error: string }
  | { t: 'start' }
  | { t: 'answer-inspection'; id: number }
  /** Something the whole gateway did (a config kept or rolled back), for the platform. */
  | { t: 'report'; type: 'config' | 'update'; body: Record<string, unknown> }
  | { t: 'stop'; flushMs: number; restarting: boolean };

export type FromRecorder =
  | { t: 'picture'; picture: RecordingPicture; troubles: string[] }
  | { t: 'control'; id: number; call: ControlCall }
  | { t: 'inspection-answered'; id: number; answer: InspectionAnswer }
  | { t: 'stopped'; report: RecorderStopReport };
