// Writes that may fail (a full disk, a read-only card, a file that cannot be opened) and must not be lost
// or reordered: a failed item is kept, and so is everything after it, until a retry gets through. One
// log line per distinct error, not one per retry. Bounded: past `max` the oldest are dropped and counted.

import type { Logger } from '../log/logger.js';

export class OrderedRetry<T> {
  private readonly queue: T[] = [];
  private dropped = 0;
  /** Failures since start. */
  failures = 0;
  /** The last error while writes fail; null once a retry got everything through. */
  lastError: string | null = null;

  constructor(
    private readonly write: (item: T) => void,
    private readonly o: { log: Logger; what: string; max?: number },
  ) {}

  /** Writes `item` now, or keeps it (behind what waits already) when writing fails. Never throws. */
  push(item: T): void {
    this.queue.push(item);
    if (this.queue.length > (this.o.max ?? 10_000)) {
      this.queue.shift();
      this.dropped++;
    }
    this.retry();
  }

  /** Writes what waits, in order, until one fails. */
  retry(): void {
    while (this.queue.length) {
      try {
        this.write(this.queue[0] as T);
      } catch (err) {
        this.failed(err);
        return;
      }
      this.queue.shift();
    }
    if (this.lastError !== null) {
      this.o.log.info({ failures: this.failures }, 'storage works again: everything waiting was written');
      this.lastError = null;
    }
  }

  /** Items waiting, plus those dropped past the bound. */
  get size(): number {
    return this.queue.length + this.dropped;
  }

  private failed(err: unknown): void {
    this.failures++;
    const message = (err as Error)?.message ?? String(err);
    if (message !== this.lastError) this.o.log.error({ err: { message, code: (err as { code?: string }).code } }, this.o.what);
    this.lastError = message;
  }
}
