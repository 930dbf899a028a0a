// A software update from the platform (`update`), taken the way an A/B updater takes one, and held to a
// safety box's rules. The signed manifest is checked before a byte is fetched (release.ts: key,
// architecture, downgrade, storage formats); no update starts while an alarm stands; the bundle is
// fetched chunk by chunk (download.ts), unpacked beside the running version and checked file by file
// (install-root.ts); the switch waits while an alarm stands, then writes the trial, points `current` at
// the new version and restarts the process (the stop holds every output as the alarms demand).
// The new version is on trial: it must be healthy — started, every device answered, every output
// confirmed, the uplink connected where one is configured — before the trial's deadline, or it puts the
// previous version back and restarts into it. A version that cannot even start is put back by the
// launcher's boot guard (deploy/release/launcher.sh) at its 4th start or after the deadline. Every step
// is written before it is taken, so a power cut anywhere leaves `current` naming a version that starts
// and the next start carries on (or reports how it ended): as an `update` event, like config's.

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigAnswer, UpdateOffer } from '../control/port.js';
import { writeAtomic } from '../storage/atomic-file.js';
import type { Logger } from '../log/logger.js';
import type { Acting } from './config-keeper.js';
import { downloadRelease, type DownloadResult } from './download.js';
import type { InstallRoot, Outcome } from './install-root.js';
import { acceptRelease, ReleaseError, type ReleaseManifest } from './release.js';
import type { KeyObject } from 'node:crypto';

interface Job extends UpdateOffer {
  from: string;
  version: string;
}

export interface UpdateHooks {
  acting(): Acting;
  /** The first alarm standing ("kitchen-gas/gas"), or null. */
  alarmStanding(): string | null;
  uplinkConfigured: boolean;
  report(body: Record<string, unknown>): void;
  /** Why no update may start now (a config on probation), or null. */
  blocked(): string | null;
  /** Stops the service (outputs held) and ends the process so that its supervisor starts `current`. */
  restart(why: string): void;
}

export interface UpdateKeeperOptions {
  root: InstallRoot;
  keys: readonly KeyObject[];
  /** The running version and architecture (package.json, process.arch). */
  version: string;
  arch: string;
  log: Logger;
  hooks: UpdateHooks;
  everyMs?: number;
  /** Download tuning (tests shorten the waits). */
  download?: { retryMs?: number; attempts?: number; idleMs?: number };
}

export type UpdateState = 'idle' | 'downloading' | 'unpacking' | 'waiting' | 'switching' | 'trial';

export class UpdateKeeper {
  private state: UpdateState = 'idle';
  private job: Job | undefined;
  private progress = { chunk: 0, chunks: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private last: DownloadResult | undefined;

  constructor(private readonly o: UpdateKeeperOptions) {}

  /** Whether an update is under way (a config offer waits until it is over). */
  get busy(): boolean {
    return this.state !== 'idle';
  }

  /** For diagnostics and get-status. */
  status(): Record<string, unknown> {
    return {
      state: this.state,
      running: this.o.version,
      ...(this.job ? { version: this.job.version, from: this.job.from } : {}),
      ...(this.state === 'downloading' ? { chunk: this.progress.chunk, chunks: this.progress.chunks } : {}),
      ...(this.last ? { received: this.last.received, retries: this.last.retries } : {}),
    };
  }

  async offer(offer: UpdateOffer): Promise<ConfigAnswer> {
    const refuse = (reason: string, code?: string): ConfigAnswer => ({ ok: false, reason, ...(code ? { result: { code } } : {}) });
    if (this.state !== 'idle') return refuse(`an update is under way (${this.job?.version ?? '?'}, ${this.state})`, 'busy');
    const blocked = this.o.hooks.blocked();
    if (blocked) return refuse(blocked, 'busy');
    let m: ReleaseManifest;
    try {
      m = acceptRelease(offer, this.o.keys, { version: this.o.version, arch: this.o.arch });
    } catch (err) {
      if (err instanceof ReleaseError) return refuse(err.message, err.code);
      throw err;
    }
    if (!/^https?:\/\//.test(offer.url)) return refuse(`url "${offer.url.slice(0, 80)}" is not http(s)`, 'badUrl');
    const alarm = this.o.hooks.alarmStanding();
    if (alarm) return refuse(`an alarm stands (${alarm}): no update starts now; offer it again once it is cleared, or install on site`, 'alarmStanding');
    const job: Job = { ...offer, from: this.o.version, version: m.version };
    try {
      mkdirSync(this.o.root.updateDir, { recursive: true, mode: 0o750 });
      // A bundle left from another update is of no use to this one.
      rmSync(join(this.o.root.updateDir, 'bundle.part'), { force: true });
      writeAtomic(join(this.o.root.updateDir, 'job.json'), JSON.stringify(job));
    } catch (err) {
      return refuse(`the update cannot be recorded (${(err as Error).message}): nothing changed`, 'storage');
    }
    this.o.log.info({ version: m.version, from: this.o.version, size: m.size, chunks: m.chunks.length }, 'software update accepted: downloading');
    void this.carryOut(job, m);
    return { ok: true, reason: null, result: { state: 'downloading', version: m.version, size: m.size, chunks: m.chunks.length } };
  }

  /**
   * At start, once the service runs: says how the last update ended, watches this version if it is on
   * trial, or carries on with an update a restart interrupted.
   */
  atStart(): void {
    const root = this.o.root;
    const outcome = root.readOutcome();
    const job = readJob(root.updateDir);
    if (outcome) {
      // Written by the version that went back (or by the boot guard), or a `kept` a power cut kept from
      // being reported: said once, and the update it ends is over.
      this.o.log[outcome.state === 'kept' ? 'info' : 'warn']({ ...outcome }, `software update ${outcome.version}: ${outcome.state}`);
      // Kept, then cut off before its trial was cleared: the trial is over all the same.
      if (outcome.state === 'kept' && outcome.version === this.o.version) safe(() => root.clearTrial());
      this.settle(outcome);
      return;
    }
    const trial = root.readTrial();
    if (trial && trial.to === this.o.version && root.current() === this.o.version) {
      this.state = 'trial';
      this.job = job ?? { from: trial.from, version: trial.to, url: '', manifest: '', signature: '', healthS: 0 };
      this.watch(trial.deadline * 1000, trial.from);
      return;
    }
    if (job && job.from === this.o.version) {
      let m: ReleaseManifest;
      try {
        m = acceptRelease(job, this.o.keys, { version: this.o.version, arch: this.o.arch });
      } catch (err) {
        this.settle({ version: job.version, from: job.from, state: 'failed', reason: `the recorded update is no longer valid: ${(err as Error).message}` });
        return;
      }
      this.o.log.info({ version: job.version }, 'software update: carrying on after a restart');
      void this.carryOut(job, m);
    } else if (job) {
      clearJob(root.updateDir);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.abort.abort();
  }

  private async carryOut(job: Job, m: ReleaseManifest): Promise<void> {
    this.job = job;
    const root = this.o.root;
    const part = join(root.updateDir, 'bundle.part');
    try {
      if (!root.unpacked(m.version, m.sha256)) {
        this.state = 'downloading';
        this.progress = { chunk: 0, chunks: m.chunks.length };
        this.last = await downloadRelease({
          url: job.url,
          manifest: m,
          file: part,
          signal: this.abort.signal,
          ...this.o.download,
          onProgress: (p) => {
            this.progress = { chunk: p.chunk, chunks: p.chunks };
            if (p.chunk === Math.ceil(p.chunks / 2)) powerCut('downloading');
          },
        });
        this.o.log.info(
          { version: m.version, received: this.last.received, resumedChunks: this.last.resumedChunks, retries: this.last.retries },
          'software update: downloaded and checked',
        );
        this.state = 'unpacking';
      }
      await root.unpack(part, m.version, m.sha256);
      powerCut('unpacked');
      rmSync(part, { force: true });
      if (this.abort.signal.aborted) return;
      this.state = 'waiting';
      await this.untilNoAlarm();
      if (this.abort.signal.aborted) return;
      this.state = 'switching';
      // The trial before the link: a power cut between them leaves the old version current, and its boot
      // guard drops the trial that never began.
      root.writeTrial({ from: job.from, to: m.version, deadline: Date.now() / 1000 + job.healthS });
      powerCut('trial');
      root.switchTo(m.version);
      powerCut('switched');
      this.o.log.warn({ version: m.version, from: job.from, healthS: job.healthS }, 'software update: switched; restarting into it (outputs held)');
      this.o.hooks.restart(`software update to ${m.version}`);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const reason = (err as Error).message;
      this.o.log.error({ version: m.version, reason }, 'software update failed: nothing changed');
      rmSync(part, { force: true });
      this.settle({ version: m.version, from: job.from, state: 'failed', reason });
    }
  }

  /** The switch waits while any alarm stands: a restart then would be a gap when it matters most. */
  private async untilNoAlarm(): Promise<void> {
    let said = false;
    for (;;) {
      const alarm = this.o.hooks.alarmStanding();
      if (!alarm || this.abort.signal.aborted) return;
      if (!said) this.o.log.warn({ alarm }, 'software update: downloaded; the switch waits until the alarm is cleared');
      said = true;
      await new Promise((r) => setTimeout(r, this.o.everyMs ?? 1000));
    }
  }

  /** This version on trial: healthy before the deadline, or the previous version comes back. */
  private watch(deadlineMs: number, from: string): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      const a = this.o.hooks.acting();
      const ok = a.ok && (!this.o.hooks.uplinkConfigured || a.uplinkConnected);
      if (ok) {
        clearInterval(this.timer);
        const o: Outcome = {
          version: this.o.version,
          from,
          state: 'kept',
          reason: `healthy: every device answered, outputs confirmed${this.o.hooks.uplinkConfigured ? ', uplink connected' : ''}`,
        };
        safe(() => this.o.root.writeOutcome(o));
        powerCut('healthy');
        this.o.root.clearTrial();
        this.o.log.info({ ...o }, `software update ${o.version} kept`);
        this.settle(o);
        const removed = safe(() => this.o.root.prune([this.o.version, from])) ?? [];
        if (removed.length) this.o.log.info({ removed }, 'software update: older versions removed');
      } else if (Date.now() > deadlineMs) {
        clearInterval(this.timer);
        const why = a.ok ? 'the uplink did not connect' : a.why;
        this.rollBack(from, `not healthy in time: ${why}`);
      }
    }, this.o.everyMs ?? 1000);
  }

  private rollBack(from: string, reason: string): void {
    const root = this.o.root;
    try {
      // The outcome first: whichever version starts next reports it, and no interrupted job resumes.
      root.writeOutcome({ version: this.o.version, from, state: 'rolled-back', reason });
      root.switchTo(from);
      root.clearTrial();
      clearJob(root.updateDir);
    } catch (err) {
      // The way back is blocked (the old version gone, the disk refusing): this version keeps running
      // and acting; the boot guard tries again at the next start.
      this.o.log.fatal({ version: this.o.version, back: from, reason, err: { message: (err as Error).message } }, 'software update: cannot go back');
      return;
    }
    this.o.log.error({ version: this.o.version, back: from, reason }, 'software update rolled back: restarting into the previous version (outputs held)');
    this.o.hooks.restart(`software update rolled back to ${from}`);
  }

  /** Says how an update ended (an `update` event, recorded in the outbox) and forgets it. */
  private settle(o: Outcome): void {
    this.state = 'idle';
    this.job = undefined;
    this.o.hooks.report(updateEvent(o));
    safe(() => clearJob(this.o.root.updateDir));
    safe(() => this.o.root.clearOutcome());
  }
}

/**
 * Fault injection for the power-cut tests (test/integration/software-update.test.ts): with
 * JX_FAULT_KILL_AT=STEP the process kills itself (SIGKILL, no clean stop) at that step of an update:
 * downloading (half the chunks in), unpacked, trial (written, link not switched), switched, healthy.
 */
function powerCut(step: string): void {
  if (process.env.JX_FAULT_KILL_AT === step) process.kill(process.pid, 'SIGKILL');
}

/** The body of an `update` event. */
function updateEvent(o: Outcome): Record<string, unknown> {
  return { state: o.state, version: o.version, from: o.from, reason: o.reason };
}

function readJob(dir: string): Job | undefined {
  try {
    const j = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as Job;
    return typeof j.version === 'string' && typeof j.from === 'string' ? j : undefined;
  } catch {
    return undefined;
  }
}

function clearJob(dir: string): void {
  rmSync(join(dir, 'job.json'), { force: true });
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
