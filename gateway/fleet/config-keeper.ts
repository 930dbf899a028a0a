// A config from the platform (`apply-config`), taken the way a careful installer would: checked with the
// rules of check-config and refused with its diagnostics (as codes) when it fails them; refused when it
// would weaken the gas protection or change what the box is (config-policy.ts); otherwise recorded,
// switched to (the stop in between leaves every output as the alarms demand), and held on probation:
// within `probationS` it must reach acting — every device answered, every output confirmed at its
// demand, the uplink back if it was up — or the box goes back to the config it had, by itself, and says
// why. A box that crashes on the new config goes back at its next start (config-store.ts keeps the
// count). Kept or rolled back, the platform hears it as a `config` event.

import type { Config } from '../../config/index.js';
import { diagnosticJson, english, said, type Said } from '../../config/diagnostics.js';
import type { ConfigAnswer, ConfigOffer } from '../control/port.js';
import type { Logger } from '../log/logger.js';
import type { LoadedConfig } from '../cli/config-thread.js';
import { refusedRemotely } from './config-policy.js';
import { sha256Of, type ConfigEntry, type ConfigStore } from './config-store.js';

/** Whether the running service does its job: what probation waits for. */
export interface Acting {
  ok: boolean;
  /** What is missing, for people ("device kitchen-gas not answering (timeout)"). */
  why: string;
  uplinkConnected: boolean;
}

interface KeeperHooks {
  /** Loads a config text as `run` does (its own thread), as if it were the installer's file. */
  load(text: string): Promise<LoadedConfig>;
  /** Stops the running service (outputs held as the alarms demand) and starts one on this config. */
  switchTo(loaded: LoadedConfig, entry: ConfigEntry): Promise<void>;
  acting(): Acting;
  report(body: Record<string, unknown>): void;
  /** Why no config may be taken now (a software update under way), or null. */
  blocked?(): string | null;
}

export interface KeeperOptions {
  siteText: string;
  store: ConfigStore;
  log: Logger;
  hooks: KeeperHooks;
  /** The config running now and its history entry. */
  running: { config: Config; entry: ConfigEntry; builtinProfiles: LoadedConfig['builtinProfiles'] };
  /** How often probation looks (tests shorten it). */
  everyMs?: number;
}

/** The body of a `config` event: what became of a config, and why. */
export function configEvent(e: ConfigEntry, state: 'kept' | 'rolled-back', reason: string): Record<string, unknown> {
  return { state, version: e.version, sha256: e.sha256, n: e.n, by: e.by, reason };
}

export class ConfigKeeper {
  private running: KeeperOptions['running'];
  private busy = false;
  /** Accepted, the switch not made yet. */
  private pending = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: KeeperOptions) {
    this.running = o.running;
  }

  /** The config running now, for status and the heartbeat. */
  get current(): ConfigEntry {
    return this.running.entry;
  }

  async offer(offer: ConfigOffer): Promise<ConfigAnswer> {
    const refuse = (reason: string, result?: unknown): ConfigAnswer => ({ ok: false, reason, ...(result !== undefined ? { result } : {}) });
    if (this.busy || this.pending || this.running.entry.state === 'probation') {
      return refuse(`config ${this.running.entry.version} is still on probation: offer the next one when it is kept or rolled back`);
    }
    const blocked = this.o.hooks.blocked?.();
    if (blocked) return refuse(blocked);
    const actual = sha256Of(offer.config);
    if (actual !== offer.sha256) {
      const s = said('sha256Mismatch', { size: `${Buffer.byteLength(offer.config)} bytes`, actual, expected: offer.sha256 });
      return refuse(english(s), { diagnostics: [diagnosticJson(s)] });
    }
    if (actual === this.running.entry.sha256)
      return { ok: true, reason: null, result: { state: this.running.entry.state, unchanged: true, n: this.running.entry.n } };
    this.busy = true;
    try {
      const loaded = await this.o.hooks.load(offer.config);
      const l = loaded.loaded;
      if (l.status !== 'ok' || !l.config) {
        const first = l.errors[0];
        return refuse(
          `config refused: ${l.errors.length} error${l.errors.length === 1 ? '' : 's'}${first ? `, first ${first.path || 'the file'}: ${first.message}` : ''}`,
          {
            diagnostics: l.errors.map(diagnosticJson),
            warnings: l.warnings.map(diagnosticJson),
          },
        );
      }
      const policy = refusedRemotely(this.running.config, l.config, this.running.builtinProfiles);
      if (policy.length) {
        return refuse(`config refused on site grounds: ${english(policy[0] as Said)}${policy.length > 1 ? ` (and ${policy.length - 1} more)` : ''}`, {
          diagnostics: policy.map(diagnosticJson),
        });
      }
      const deadline = Date.now() + offer.probationS * 1000;
      let entry: ConfigEntry;
      try {
        entry = this.o.store.addPlatform(offer.config, offer.version, sha256Of(this.o.siteText), deadline);
      } catch (err) {
        return refuse(`config not recorded (the data directory refuses: ${(err as Error).message}): nothing changed`);
      }
      this.o.log.info(
        { version: offer.version, sha256: actual, n: entry.n, probationS: offer.probationS },
        'config from the platform accepted: switching to it, on probation',
      );
      // After this answer is committed: the switch stops the recorder that commits it. Until the switch
      // has happened, the next offer waits like one during a probation.
      this.pending = true;
      setTimeout(() => void this.switchAndWatch(loaded, entry, this.o.hooks.acting().uplinkConnected), 300).unref();
      return { ok: true, reason: null, result: { state: 'probation', n: entry.n, probationS: offer.probationS, warnings: l.warnings.map(diagnosticJson) } };
    } finally {
      this.busy = false;
    }
  }

  /** At start with a config still on probation (the box restarted during it): the rest of its time. */
  resume(): void {
    if (this.running.entry.state === 'probation') this.watch(this.o.hooks.acting().uplinkConnected);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A write of the history that fails (a full card) is logged; acting and going back do not wait on it. */
  private safely<T>(what: string, f: () => T): T | undefined {
    try {
      return f();
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, `config history: could not ${what}`);
      return undefined;
    }
  }

  private async switchAndWatch(loaded: LoadedConfig, entry: ConfigEntry, uplinkWasUp: boolean): Promise<void> {
    const previous = this.running;
    try {
      await this.o.hooks.switchTo(loaded, entry);
      this.running = { config: loaded.loaded.config as Config, entry, builtinProfiles: loaded.builtinProfiles };
      this.pending = false;
      this.safely('count the start', () => this.o.store.countStart(entry.n));
    } catch (err) {
      this.o.log.error({ err: { message: (err as Error).message } }, 'the new config did not start: going back');
      this.running = { ...previous, entry };
      this.pending = false;
      await this.rollBack(`did not start: ${(err as Error).message}`);
      return;
    }
    this.watch(uplinkWasUp);
  }

  private watch(uplinkWasUp: boolean): void {
    clearInterval(this.timer);
    const entry = this.running.entry;
    const deadline = entry.probation?.deadline ?? Date.now();
    this.timer = setInterval(() => {
      const a = this.o.hooks.acting();
      const ok = a.ok && (!uplinkWasUp || a.uplinkConnected);
      if (ok) {
        clearInterval(this.timer);
        this.safely('record it kept', () => this.o.store.settle(entry.n, 'kept', 'acting within its probation'));
        this.running = { ...this.running, entry: { ...entry, state: 'kept' } };
        this.o.log.info({ version: entry.version, n: entry.n }, 'config kept: acting within its probation');
        this.o.hooks.report(configEvent(entry, 'kept', 'acting within its probation'));
      } else if (Date.now() > deadline) {
        clearInterval(this.timer);
        const why = a.ok ? 'the uplink did not come back' : a.why;
        void this.rollBack(`not acting within its probation: ${why}`);
      }
    }, this.o.everyMs ?? 1000);
  }

  /** Back to the last kept config, by itself; says why. */
  private async rollBack(reason: string): Promise<void> {
    this.pending = true;
    const failed = this.running.entry;
    this.safely('record it rolled back', () => this.o.store.settle(failed.n, 'rolled-back', reason));
    const back = this.o.store.previousKept(failed.n);
    this.o.log.warn({ version: failed.version, n: failed.n, reason, to: back?.n ?? 'the installer file' }, 'config rolled back');
    try {
      // The config to go back to is read before anything is written: a full disk must not stop the way back.
      const text = back ? this.o.store.text(back) : this.o.siteText;
      const loaded = await this.o.hooks.load(text);
      const recorded = this.safely('record the way back', () =>
        back
          ? this.o.store.restore(back, sha256Of(this.o.siteText), `rolled back from ${failed.version}: ${reason}`)
          : this.o.store.resolve(this.o.siteText).entry,
      );
      const entry = recorded ?? { ...(back ?? failed), state: 'kept' as const };
      await this.o.hooks.switchTo(loaded, entry);
      this.running = { config: loaded.loaded.config as Config, entry, builtinProfiles: loaded.builtinProfiles };
    } catch (err) {
      this.o.log.fatal({ err: { message: (err as Error).message } }, 'the previous config did not start either');
    }
    this.pending = false;
    this.o.hooks.report(configEvent(failed, 'rolled-back', reason));
  }
}
