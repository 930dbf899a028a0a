// The outbox's acknowledgement bookkeeping: which messages the broker has acknowledged and which rows
// may therefore go. Shared by the queue (outbox.ts: what to hand out next, what to delete) and the caps
// (caps.ts: shedding a row or trimming a pack changes what its PUBACKs mean).
//
// - A single message's row goes with its PUBACK; the delete is batched (`take`), without fsync: losing
//   it in a crash only means a resend with the same id.
// - A pack (a spill) goes when its last message is acknowledged. A PUBACK for a message cut from the
//   pack by shedding does not count; nor one for a pack already gone.
// - A delete that failed (a full or read-only disk needs WAL pages for a delete too) keeps its rows
//   aside: never handed out again (that would resend them in a loop), deleted at the next flush.

import type { OutTopic, Pending } from './message.js';

type Acked = Pick<Pending, 'rowid' | 'pack' | 'topic'>;

export class Acknowledgements {
  /** Acknowledged messages whose delete is not committed yet. */
  private readonly toDelete = new Map<string, Acked>();
  /** Rows acknowledged in full whose delete failed. */
  private readonly undeleted = new Set<number>();
  /** Packs with some of their messages acknowledged: the row stays until the last one is. */
  private readonly packAcked = new Map<number, { topic: OutTopic; ids: Set<string> }>();
  private packAckedCount = 0;
  /** Packs trimmed by shedding: how many messages they hold now, and the ids cut from them. */
  private readonly trimmed = new Map<number, { n: number; cut: Set<string> }>();
  /** Why the last delete failed, while deletes fail. */
  deleteError: string | undefined;

  /** A PUBACK for a message in a row. */
  add(id: string, p: Acked): void {
    this.toDelete.set(id, p);
  }

  /** Acknowledgements whose delete waits for the next flush. */
  get pending(): number {
    return this.toDelete.size;
  }

  /** Messages acknowledged but still in the table (waiting for their delete, or for the rest of their pack). */
  get acknowledgedInTable(): number {
    return this.toDelete.size + this.packAckedCount + this.undeleted.size;
  }

  /** Whether a message must not be handed out again: acknowledged, its delete not committed yet. */
  waitsForDelete(id: string): boolean {
    return this.toDelete.has(id);
  }

  /** A row acknowledged in full whose delete failed: skipped when handing out. */
  isUndeleted(rowid: number): boolean {
    return this.undeleted.has(rowid);
  }

  /** The messages of a pack acknowledged so far. */
  ackedIn(rowid: number): ReadonlySet<string> | undefined {
    return this.packAcked.get(rowid)?.ids;
  }

  /** Acknowledged messages per topic still counted in the table's packs (the backlog subtracts them). */
  *ackedPacks(): Iterable<{ topic: OutTopic; n: number }> {
    for (const { topic, ids } of this.packAcked.values()) yield { topic, n: ids.size };
  }

  /**
   * The rows that may go now: single messages acknowledged, packs acknowledged in full, and the rows
   * whose delete failed before. `exists` answers whether a pack's row is still in the table (it may
   * have been shed while in flight). Clears the pending acknowledgements; call `deleted` or `failed`
   * with the outcome.
   */
  take(exists: (rowid: number) => boolean): number[] {
    const rowids: number[] = [];
    for (const [id, { rowid, pack, topic }] of this.toDelete) {
      if (!pack) {
        rowids.push(rowid);
        continue;
      }
      const trimmed = this.trimmed.get(rowid);
      if (trimmed?.cut.has(id)) continue;
      let acked = this.packAcked.get(rowid);
      if (!acked) {
        if (!exists(rowid)) continue;
        this.packAcked.set(rowid, (acked = { topic, ids: new Set() }));
      }
      if (acked.ids.has(id)) continue;
      acked.ids.add(id);
      this.packAckedCount++;
      if (acked.ids.size >= (trimmed?.n ?? pack)) {
        rowids.push(rowid);
        this.packAckedCount -= acked.ids.size;
        this.packAcked.delete(rowid);
        this.trimmed.delete(rowid);
      }
    }
    this.toDelete.clear();
    for (const r of this.undeleted) rowids.push(r);
    return rowids;
  }

  deleted(): void {
    this.undeleted.clear();
    this.deleteError = undefined;
  }

  failed(rowids: readonly number[], reason: string): void {
    for (const r of rowids) this.undeleted.add(r);
    this.deleteError = reason;
  }

  /** A row that is gone (shed): its pending acknowledgements no longer count. */
  forget(rowid: number): void {
    this.undeleted.delete(rowid);
    this.trimmed.delete(rowid);
    const acked = this.packAcked.get(rowid);
    if (acked) {
      this.packAckedCount -= acked.ids.size;
      this.packAcked.delete(rowid);
    }
    for (const [id, p] of this.toDelete) if (p.rowid === rowid) this.toDelete.delete(id);
  }

  /**
   * A pack trimmed by shedding: it holds `n` messages now (`had` before the first trim), and a PUBACK
   * for one of `cut` no longer counts towards it.
   */
  trim(rowid: number, had: number, n: number, cut: readonly string[]): void {
    const trimmed = this.trimmed.get(rowid) ?? { n: had, cut: new Set<string>() };
    trimmed.n = n;
    const acked = this.packAcked.get(rowid);
    for (const id of cut) {
      trimmed.cut.add(id);
      if (acked?.ids.delete(id)) this.packAckedCount--;
    }
    this.trimmed.set(rowid, trimmed);
  }
}
