// Is the wall clock good? A Raspberry Pi has no RTC: until NTP has synchronised, the time may be the
// last shutdown's (fake-hwclock) or 1970. Events carry `clock: unsynced` until then, and their times are
// corrected from the monotonic clock once it is good (Outbox.correctClock).

import { existsSync } from 'node:fs';

export interface ClockQuality {
  synced(): boolean;
}

/** systemd-timesyncd creates this file once it has synchronised (it is removed at boot). */
const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';

export class SystemClock implements ClockQuality {
  private vouched = false;

  constructor(
    private readonly flagFile: string = TIMESYNC_FLAG,
    private readonly assumeSynced = process.env.JX_CLOCK === 'synced',
  ) {}

  synced(): boolean {
    return this.assumeSynced || this.vouched || existsSync(this.flagFile);
  }

  /** The platform's `sync-time`: its time agrees with ours within `toleranceMs`, so ours is good. */
  vouch(platformNow: number, toleranceMs = 2000): { ok: boolean; offsetMs: number } {
    const offsetMs = Date.now() - platformNow;
    if (Math.abs(offsetMs) <= toleranceMs) this.vouched = true;
    return { ok: Math.abs(offsetMs) <= toleranceMs, offsetMs };
  }
}

/**
 * Notices a step of the wall clock (NTP correcting a Pi that booted with the last shutdown's time, a
 * hand setting it): the wall clock moved by more than `toleranceMs` against the monotonic clock since
 * the last look. Timers run on the monotonic clock, so a step changes no timer; it is reported, so the
 * platform can tell why `at` jumped.
 */
export class ClockStepWatch {
  private offset: number;

  constructor(
    wallNow: number,
    monoNow: number,
    private readonly toleranceMs = 2000,
  ) {
    this.offset = wallNow - monoNow;
  }

  /** The step in ms since the last look (positive: forward), or undefined within the tolerance. */
  look(wallNow: number, monoNow: number): number | undefined {
    const offset = wallNow - monoNow;
    const step = Math.round(offset - this.offset);
    this.offset = offset;
    return Math.abs(step) > this.toleranceMs ? step : undefined;
  }
}
