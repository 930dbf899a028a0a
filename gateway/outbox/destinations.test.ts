// A destination beside the platform (a fire-monitoring centre) on real SQLite files: it takes the alarms
// and events committed from now on, in the outbox's order, in the same transaction, and keeps them until
// it has them, whatever the platform's acknowledgements do; across a reopen too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox, type OutTopic } from './outbox.js';

const root = mkdtempSync(join(tmpdir(), 'jx-destinations-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const meta = { boot: 'b1', mono: 0, unsynced: false };
const caps = { maxRows: 1000, maxBytes: 1_000_000, reserveRows: 100 };
const add = (box: Outbox, topic: OutTopic, id: string) => box.add(topic, id, meta, ({ seq }) => ({ id, seq }));

describe('outbox destinations', () => {
  it('queue the alarms and events for the destination, alarms first, each with its seq and payload; telemetry not', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addDestination('centre', ['alarm', 'event']);
    add(box, 'event', 'e1');
    add(box, 'telemetry', 't1');
    add(box, 'alarm', 'a1');
    add(box, 'event', 'e2');
    expect(centre.next(10).map((m) => [m.id, m.topic, m.seq])).toEqual([
      ['a1', 'alarm', 2],
      ['e1', 'event', 1],
      ['e2', 'event', 3],
    ]);
    expect(JSON.parse(centre.next(1)[0]!.payload.toString())).toEqual({ id: 'a1', seq: 2 });
    expect(centre.size).toBe(3);
    box.close();
  });

  it('each receiver at its own pace: the platform acknowledging does not take the centre’s copy, nor the other way round', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    const centre = box.addDestination('centre', ['alarm', 'event']);
    add(box, 'alarm', 'a1');
    add(box, 'alarm', 'a2');
    const p = box.next(10, new Set()).find((m) => m.id === 'a1')!;
    box.acknowledge(p);
    box.flushAcks();
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a2']);
    expect(centre.next(10).map((m) => m.id)).toEqual(['a1', 'a2']);
    centre.done(centre.next(1)[0]!.rowid);
    expect(centre.next(10).map((m) => m.id)).toEqual(['a2']);
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a2']);
    box.close();
  });

  it('one transaction: when the destination cannot take a message, the outbox does not have it either', () => {
    const box = new Outbox(join(root, `d${++n}`), caps);
    box.addDestination('centre', ['alarm']);
    box.database.exec(`CREATE TRIGGER refuse BEFORE INSERT ON destination_queue WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'no room'); END`);
    add(box, 'alarm', 'a1');
    expect(() => add(box, 'alarm', 'boom')).toThrow(/no room/);
    expect(box.next(10, new Set()).map((m) => m.id)).toEqual(['a1']);
    // The seq counter went back with it: the next alarm has seq 2, no gap.
    add(box, 'alarm', 'a2');
    expect(box.next(10, new Set()).map((m) => m.seq)).toEqual([1, 2]);
    box.close();
  });

  it('what a destination has not confirmed is there again after a restart; destinations do not see each other’s rows', () => {
    const dir = join(root, `d${++n}`);
    const box = new Outbox(dir, caps);
    const centre = box.addDestination('centre', ['alarm', 'event']);
    const other = box.addDestination('second-centre', ['alarm']);
    add(box, 'alarm', 'a1');
    add(box, 'event', 'e1');
    centre.done(centre.next(1)[0]!.rowid);
    box.close();
    const again = new Outbox(dir, caps);
    expect(
      again
        .addDestination('centre', ['alarm', 'event'])
        .next(10)
        .map((m) => m.id),
    ).toEqual(['e1']);
    expect(
      again
        .addDestination('second-centre', ['alarm'])
        .next(10)
        .map((m) => m.id),
    ).toEqual(['a1']);
    expect(other.name).toBe('second-centre');
    again.close();
  });
});
