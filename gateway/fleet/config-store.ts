// The configs this box has run, kept in its data directory (`configs/`): the installer's file as it was
// at each start where it changed, and every config the platform sent, with what became of it (on
// probation, kept, rolled back). The last KEEP entries stay; their files go with them.
//
// Which config runs: the installer's file (`run --config FILE`, often read-only under /etc), unless the
// platform's config replaced it since and the file has not been edited on site after that (`base`: the
// file's SHA-256 when the platform's config was applied). A person on site editing the file wins.
//
// Writes are atomic (a temporary file renamed over the old one, then fsync): a power cut leaves the
// old history or the new one, never half of one.

import { writeAtomic } from '../storage/atomic-file.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const KEEP = 10;

type ConfigState = 'probation' | 'kept' | 'rolled-back';

export interface ConfigEntry {
  /** 1, 2, 3…: the order the box took them in. */
  n: number;
  /** The platform's name for it, or "site" for the installer's file. */
  version: string;
  sha256: string;
  by: 'site' | 'platform';
  /** When it was taken (ISO, UTC). */
  at: string;
  state: ConfigState;
  /** Why it was rolled back, or how it was kept. */
  reason?: string;
  /** A platform config: the SHA-256 of the installer's file it stands in for. */
  base?: string;
  /** A config on probation: until when (epoch ms), and how many starts it has had. */
  probation?: { deadline: number; starts: number };
}

export function sha256Of(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class ConfigStore {
  readonly dir: string;
  private entries: ConfigEntry[];

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'configs');
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    const file = join(this.dir, 'history.json');
    this.entries = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { entries: ConfigEntry[] }).entries ?? []) : [];
  }

  list(): readonly ConfigEntry[] {
    return this.entries;
  }

  current(): ConfigEntry | undefined {
    return this.entries.at(-1);
  }

  text(e: ConfigEntry): string {
    return readFileSync(this.fileOf(e), 'utf8');
  }

  /**
   * The config to run, given the installer's file: the platform's current one when it stands in for
   * this very file, else the file (recorded when it is new to the history).
   */
  resolve(siteText: string): { text: string; entry: ConfigEntry } {
    const site = sha256Of(siteText);
    const cur = this.current();
    if (cur && cur.by === 'platform' && cur.base === site && cur.state !== 'rolled-back' && existsSync(this.fileOf(cur))) {
      return { text: this.text(cur), entry: cur };
    }
    if (cur && cur.by === 'site' && cur.sha256 === site) return { text: siteText, entry: cur };
    return { text: siteText, entry: this.add(siteText, { version: 'site', by: 'site', state: 'kept' }) };
  }

  /** A config from the platform, on probation until `deadline`, standing in for the installer's `base`. */
  addPlatform(text: string, version: string, base: string, deadline: number): ConfigEntry {
    return this.add(text, { version, by: 'platform', state: 'probation', base, probation: { deadline, starts: 0 } });
  }

  /** The last entry before `n` that was kept: where a rollback goes. */
  previousKept(n: number): ConfigEntry | undefined {
    return [...this.entries].reverse().find((e) => e.n < n && e.state === 'kept');
  }

  /** Counts a start of a config on probation (a crash loop shows as many starts). */
  countStart(n: number): ConfigEntry | undefined {
    const e = this.entries.find((x) => x.n === n);
    if (!e?.probation) return e;
    e.probation.starts++;
    this.save();
    return e;
  }

  settle(n: number, state: 'kept' | 'rolled-back', reason: string): void {
    const e = this.entries.find((x) => x.n === n);
    if (!e) return;
    e.state = state;
    e.reason = reason;
    delete e.probation;
    this.save();
  }

  /** Puts an earlier config back as the current one (a rollback), standing in for the installer's file. */
  restore(from: ConfigEntry, base: string, reason: string): ConfigEntry {
    return this.add(this.text(from), { version: from.version, by: 'platform', state: 'kept', base, reason });
  }

  private add(text: string, e: Omit<ConfigEntry, 'n' | 'sha256' | 'at'>): ConfigEntry {
    const entry: ConfigEntry = { n: (this.current()?.n ?? 0) + 1, sha256: sha256Of(text), at: new Date().toISOString(), ...e };
    writeAtomic(this.fileOf(entry), text);
    this.entries.push(entry);
    for (const old of this.entries.splice(0, Math.max(0, this.entries.length - KEEP))) rmSync(this.fileOf(old), { force: true });
    this.save();
    return entry;
  }

  private fileOf(e: ConfigEntry): string {
    return join(this.dir, `${String(e.n).padStart(4, '0')}-${e.sha256.slice(0, 12)}.yaml`);
  }

  private save(): void {
    writeAtomic(join(this.dir, 'history.json'), `${JSON.stringify({ entries: this.entries }, null, 1)}\n`);
  }
}
