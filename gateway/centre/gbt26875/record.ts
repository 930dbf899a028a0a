// What the centre keeps of the gateway's events: its own typed record, stored in its queue in the outbox's
// file and encoded into frames only when sent (./mapping.ts, ./centre-link.ts). Apart from the encoding so
// that the recorder's thread, which queues records from the first event on, does not load the GB 18030
// codec for it.

import type { Reported } from '../../outbox/receivers.js';
import type { ComponentMap } from './components.js';
import { TRANSMITTER_OPERATION } from './tables.js';

/**
 * What the centre keeps of a report: a channel's change of state (as a component's status and value) or
 * an operation of the transmitter (a local reset, a silence). Plain data, stored in the centre's queue and
 * encoded into frames when it is sent (./centre-link.ts), so nothing of the platform's JSON reaches it.
 * `v` is this record's own version, for rows written by one release and sent by the next.
 */
export type CentreRecord =
  | {
      v: 1;
      kind: 'channel';
      device: string;
      channel: string;
      state: ChannelState;
      test: boolean;
      value: number | null;
      /** The change is a local reset on site (复位): a transmitter operation goes with it. */
      reset: boolean;
      /** Wall-clock ms of the change: its time label. */
      at: number;
    }
  | { v: 1; kind: 'operation'; operation: 'reset' | 'silence'; at: number };

type ChannelState = 'normal' | 'warning' | 'alarm' | 'fault';

/**
 * The centre's record of a report, or none. Channels the centre has no component for are not kept; a
 * re-announcement is the platform's lifecycle (the centre confirmed the change itself), so it is not
 * kept either; a silence is the buzzer commanded off with the reason "silenced".
 */
export function centreRecordOf(r: Reported, maps: ReadonlyMap<string, ComponentMap>): CentreRecord | undefined {
  const e = r.event;
  if (e.type === 'channel') {
    if (r.reannounce || !maps.has(`${e.device}/${e.channel}`)) return undefined;
    return {
      v: 1,
      kind: 'channel',
      device: e.device,
      channel: e.channel,
      state: e.state,
      test: e.test,
      value: typeof e.value === 'number' ? e.value : null,
      reset: e.reason === 'reset',
      at: e.at,
    };
  }
  if (e.type === 'output' && e.role === 'buzzer' && e.status === 'commanded' && e.reason === 'silenced') {
    return { v: 1, kind: 'operation', operation: 'silence', at: e.at };
  }
  return undefined;
}

/** The transmitter operation of a record, if it makes one (for the operation log the centre can query). */
export function operationOf(record: CentreRecord): { operation: number; at: number } | undefined {
  if (record.kind === 'operation')
    return { operation: record.operation === 'reset' ? TRANSMITTER_OPERATION.reset : TRANSMITTER_OPERATION.silence, at: record.at };
  if (record.reset) return { operation: TRANSMITTER_OPERATION.reset, at: record.at };
  return undefined;
}

/**
 * A queue row written before the centre kept typed records held the platform's alarm JSON: taken over once,
 * when the file is opened by this release (gateway/outbox/receivers.ts), and never read again.
 */
export function centreRecordFromContract(topic: string, message: unknown): CentreRecord | undefined {
  const m = message as Record<string, unknown> | null;
  if (topic !== 'alarm' || !m || m.type !== 'channel' || m.reannounce === true) return undefined;
  const at = typeof m.at === 'string' ? Date.parse(m.at) : NaN;
  const state = m.state;
  if (typeof m.device !== 'string' || typeof m.channel !== 'string' || Number.isNaN(at)) return undefined;
  if (state !== 'normal' && state !== 'warning' && state !== 'alarm' && state !== 'fault') return undefined;
  return {
    v: 1,
    kind: 'channel',
    device: m.device,
    channel: m.channel,
    state,
    test: m.test === true,
    value: typeof m.value === 'number' ? m.value : null,
    reset: m.reason === 'reset',
    at,
  };
}
