// The last lines this process logged, kept in memory for remote diagnostics (`get-logs`): a ring of at
// most `maxLines` lines and `maxBytes` bytes, filled by the logger beside its real destination. The
// lines are the logger's JSON, already redacted (logger.ts); the time each arrived is kept with it, so
// the lines of two threads can be put in order even when the journal's lines carry no timestamp.

import type { DestinationStream } from 'pino';

export interface RecentLine {
  /** When the line was written (epoch ms). */
  at: number;
  line: string;
}

export class RecentLines implements DestinationStream {
  private readonly ring: RecentLine[] = [];
  private bytes = 0;

  constructor(
    private readonly maxLines = 500,
    private readonly maxBytes = 256 * 1024,
  ) {}

  write(chunk: string): void {
    const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
    // One line larger than the whole ring would empty it: kept cut.
    const kept = line.length > this.maxBytes / 4 ? `${line.slice(0, this.maxBytes / 4)}…` : line;
    this.ring.push({ at: Date.now(), line: kept });
    this.bytes += kept.length;
    while (this.ring.length > this.maxLines || this.bytes > this.maxBytes) this.bytes -= (this.ring.shift() as RecentLine).line.length;
  }

  /** The last `n` lines, oldest first. */
  last(n: number): RecentLine[] {
    return this.ring.slice(-n);
  }
}
