// What happens in the gateway, in one place: the events that flow one way, detect → decide → act →
// record → report. Detection makes channel events, the poller device events, the output reconciler
// output events; the reporter turns each into a contract message. Nothing here imports the runtime.

import type { Output, SignalKind } from '../config/index.js';
import type { ChannelState, Transition } from './detect/channel-machine.js';
import type { Level } from '../drivers/outputs/output.js';

/** A channel changed state (raised, escalated, cleared, reset). */
export interface ChannelEvent {
  type: 'channel';
  id: string;
  device: string;
  channel: string;
  kind: SignalKind;
  state: ChannelState;
  previousState: ChannelState;
  reason: Transition['reason'];
  detail: string;
  value?: number | boolean;
  threshold?: number;
  unit?: string;
  latched: boolean;
  /** Maintenance/test mode (检修/测试) of the device: the event is real, linkage is held. */
  test: boolean;
  /** Wall-clock milliseconds and monotonic milliseconds of the observation. */
  at: number;
  mono: number;
}

/** A device went online or offline on its bus. */
export interface DeviceEvent {
  type: 'device';
  id: string;
  device: string;
  state: 'online' | 'offline';
  reason: string;
  at: number;
}

export type OutputAction = 'on' | 'off' | 'close' | 'open';

/**
 * An output was commanded to a new desired level, confirmed at it (observed there), or failed (the
 * driver refused, or the level observed is not the one desired: an output fault; the demand stands and
 * the output is re-driven).
 */
export interface OutputEvent {
  type: 'output';
  id: string;
  output: string;
  role: Output['role'];
  action: OutputAction;
  level: Level;
  status: 'commanded' | 'confirmed' | 'failed';
  reason: string;
  detail?: string;
  cause?: string;
  at: number;
}

export type GatewayEvent = ChannelEvent | OutputEvent | DeviceEvent;
