// What the local status page shows: one picture of the running gateway, made on request. The installer
// commissioning a box reads it; so does a tool (`/status.json`). Read-only: nothing on the page acts.

import type { OpenAlarm } from '../uplink/reporter.js';
import type { ChannelState } from '../detect/channel-machine.js';
import type { OutputState } from './words.js';

export interface StatusSnapshot {
  /** `timeZone`: the venue's (config gateway.timeZone): every time a person reads here is shown in it. */
  gateway: { id: string; version: string; boot: string; uptimeS: number; clock: 'synced' | 'unsynced'; at: string; timeZone: string };
  venue: { id: string; name: string; category: string; risk: string; riskLabel: string; reasons: string[] };
  uplink: {
    configured: boolean;
    url: string | null;
    connected: boolean;
    error: string | null;
    backlog: Record<string, number>;
    shed: { rows: number; bytes: number };
  };
  /** The GB/T 26875.3 fire-monitoring centre, when one is configured. */
  centre: {
    address: string;
    connected: boolean;
    error: string | null;
    backlog: number;
    confirmed: number;
    denied: number;
    /** Rows the centre denied past the retries, waiting for their next try. */
    setAside: number;
    lastConfirmAt: string | null;
    /** The centre's inspection (查岗) waiting for a person on site, until `deadline`. */
    inspection: { askedAt: string; deadline: string } | null;
  } | null;
  /** Whether the box can keep what happens (full disk, read-only card): outputs are driven regardless. */
  storage: { ok: boolean; failures: number; lastError: string | null; unrecorded: number; unsaved: boolean; outboxInMemory: boolean };
  /** Alarms not yet cleared, with whether the platform acknowledged them (Article 8's closed loop). */
  openAlarms: OpenAlarm[];
  devices: {
    id: string;
    profile: string;
    bus: string;
    online: boolean | null;
    lastReason: string;
    polls: number;
    failures: number;
    lastGoodAt: string | null;
    breaker: string;
    maintenance: boolean;
  }[];
  channels: {
    device: string;
    channel: string;
    kind: string;
    state: ChannelState;
    latched: boolean;
    value: number | boolean | null;
    unit: string | null;
    label: string | null;
  }[];
  outputs: {
    id: string;
    role: string;
    level: string | null;
    desired: string | null;
    /** The levels as what they do: a gas valve closed or open, a fan on or off. */
    observedState: OutputState | null;
    desiredState: OutputState | null;
    ok: boolean;
    detail: string | null;
    reason: string | null;
  }[];
  closedValves: string[];
  buses: { id: string; link: string; reason: string | null }[];
}
