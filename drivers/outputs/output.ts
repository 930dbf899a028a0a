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
  close(): Promise<void>;
}

/** For tests and the simulator: remembers every level, and can be told to fail. */
export class MemoryOutput implements OutputDriver {
  readonly label = 'memory';
  level: Level | undefined;
  history: Level[] = [];
  failWith: string | undefined;

  async set(level: Level): Promise<SetResult> {
    if (this.failWith !== undefined) throw new Error(this.failWith);
    this.level = level;
    this.history.push(level);
    return { readBack: level };
  }

  async close(): Promise<void> {}
}
