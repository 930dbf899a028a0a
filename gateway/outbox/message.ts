// What the outbox holds: the topics in publishing order, and a message handed out for publishing.

export type OutTopic = 'alarm' | 'event' | 'heartbeat' | 'telemetry' | 'cmd/result';

/** Publishing order: lower first (docs/architecture.md invariant 2). */
export const PRIORITY: Record<OutTopic, number> = { alarm: 0, 'cmd/result': 1, event: 1, heartbeat: 2, telemetry: 3 };

export interface Pending {
  /** The row that holds it; 0 while it waits in memory. */
  rowid: number;
  id: string;
  topic: OutTopic;
  payload: Buffer;
  seq: number;
  /** Messages in its row when that row is a pack (a spill), else 0. */
  pack: number;
}

/** Where and when a message was made: its boot, its monotonic time, and whether the clock was unsynced. */
export type Meta = { boot: string; mono: number; unsynced: boolean };
