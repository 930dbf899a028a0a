// An output the gateway switches: a GPIO line, a coil or register of an RS-485 relay module, or memory
// (tests, simulator). Levels are logical: 'on' energises the relay or drives the line active.

export type Level = 'on' | 'off';

export interface SetResult {
  /** The level read back from the hardware, where it can be read back. */
  readBack?: Level;
}

export interface OutputDriver {
  readonly label: string;
  /** Drives the output; rejects with a reason when the hardware did not take it. */
  set(level: Level): Promise<SetResult>;
  /**
   * The level the hardware shows now (its feedback contact, or the coil or line itself); undefined when
   * this driver cannot read anything back. Rejects when the read fails.
   */
  read(): Promise<Level | undefined>;
  close(): Promise<void>;
}

/**
 * For tests and demos: remembers every level; can be told to fail (`failWith`), to drop back to off as a
 * rebooted module does (`level = 'off'`), or to read back a fixed level whatever is driven (`stuckAt`).
 */
export class MemoryOutput implements OutputDriver {
  readonly label = 'memory';
  level: Level | undefined;
  history: Level[] = [];
  failWith: string | undefined;
  stuckAt: Level | undefined;

  async set(level: Level): Promise<SetResult> {
    if (this.failWith !== undefined) throw new Error(this.failWith);
    this.level = level;
    this.history.push(level);
    return { readBack: this.stuckAt ?? level };
  }

  async read(): Promise<Level | undefined> {
    if (this.failWith !== undefined) throw new Error(this.failWith);
    return this.stuckAt ?? this.level;
  }

  async close(): Promise<void> {}
}
