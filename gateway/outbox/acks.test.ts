// The acknowledgement bookkeeping on its own (pure logic): when a row may go.
import { describe, expect, it } from 'vitest';
import { Acknowledgements } from './acks.js';

const all = () => true;

describe('Acknowledgements', () => {
  it('a single message row goes with its PUBACK', () => {
    const a = new Acknowledgements();
    a.add('m1', { rowid: 7, pack: 0, topic: 'event' });
    expect(a.waitsForDelete('m1')).toBe(true);
    expect(a.take(all)).toEqual([7]);
    expect(a.pending).toBe(0);
    expect(a.waitsForDelete('m1')).toBe(false);
  });

  it('a pack goes when its last message is acknowledged, each PUBACK counted once', () => {
    const a = new Acknowledgements();
    a.add('t1', { rowid: 3, pack: 3, topic: 'telemetry' });
    a.add('t2', { rowid: 3, pack: 3, topic: 'telemetry' });
    expect(a.take(all)).toEqual([]);
    expect(a.ackedIn(3)).toEqual(new Set(['t1', 't2']));
    expect(a.acknowledgedInTable).toBe(2);
    expect([...a.ackedPacks()]).toEqual([{ topic: 'telemetry', n: 2 }]);
    a.add('t2', { rowid: 3, pack: 3, topic: 'telemetry' }); // a duplicate PUBACK (a resend)
    expect(a.take(all)).toEqual([]);
    a.add('t3', { rowid: 3, pack: 3, topic: 'telemetry' });
    expect(a.take(all)).toEqual([3]);
    expect(a.acknowledgedInTable).toBe(0);
    expect(a.ackedIn(3)).toBeUndefined();
  });

  it('a PUBACK for a message cut from a trimmed pack does not count; the pack goes with what it holds now', () => {
    const a = new Acknowledgements();
    a.add('t1', { rowid: 5, pack: 4, topic: 'telemetry' });
    expect(a.take(all)).toEqual([]);
    a.trim(5, 4, 2, ['t1', 't2']); // shedding cut the two oldest
    expect(a.acknowledgedInTable).toBe(0); // t1's acknowledgement went with it
    a.add('t2', { rowid: 5, pack: 4, topic: 'telemetry' });
    a.add('t3', { rowid: 5, pack: 4, topic: 'telemetry' });
    expect(a.take(all)).toEqual([]);
    a.add('t4', { rowid: 5, pack: 4, topic: 'telemetry' });
    expect(a.take(all)).toEqual([5]);
  });

  it('a PUBACK for a pack already gone (shed while in flight) is dropped', () => {
    const a = new Acknowledgements();
    a.add('t1', { rowid: 9, pack: 2, topic: 'telemetry' });
    expect(a.take(() => false)).toEqual([]);
    expect(a.acknowledgedInTable).toBe(0);
  });

  it('a shed row forgets its pending acknowledgements', () => {
    const a = new Acknowledgements();
    a.add('t1', { rowid: 2, pack: 3, topic: 'telemetry' });
    expect(a.take(all)).toEqual([]);
    a.add('t2', { rowid: 2, pack: 3, topic: 'telemetry' });
    a.forget(2);
    expect(a.pending).toBe(0);
    expect(a.acknowledgedInTable).toBe(0);
  });

  it('rows whose delete failed are kept aside, skipped, and taken again with the next flush', () => {
    const a = new Acknowledgements();
    a.add('m1', { rowid: 1, pack: 0, topic: 'alarm' });
    const rows = a.take(all);
    a.failed(rows, 'database or disk is full');
    expect(a.isUndeleted(1)).toBe(true);
    expect(a.deleteError).toBe('database or disk is full');
    expect(a.acknowledgedInTable).toBe(1);
    a.add('m2', { rowid: 2, pack: 0, topic: 'event' });
    expect(a.take(all).sort()).toEqual([1, 2]);
    a.deleted();
    expect(a.isUndeleted(1)).toBe(false);
    expect(a.deleteError).toBeUndefined();
  });
});
