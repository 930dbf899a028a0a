// Acting comes before recording (docs/architecture.md invariant 9), in process: a runtime whose recording throws
// (SQLITE_FULL from the outbox) and whose state file cannot even be opened still drives its outputs on
// an alarm; what it could not record is kept, counted, shown, and recorded in order once storage works.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import type { GatewayEvent } from '../../gateway/events.js';
import { createLogger } from '../../gateway/log/logger.js';
import { GatewayRuntime } from '../../gateway/runtime.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { HOTPOT } from '../../bench/lib/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'jx-rt-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(dataDir: string) {
  return ConfigSchema.parse({
    gateway: { id: 'GW-RS-0001', dataDir },
    venue: HOTPOT,
    inputs: [{ id: 'old-smoke-alarm', role: 'dry-contact', driver: { type: 'memory' }, state: 'alarm', kind: 'smoke' }],
    outputs: [
      { id: 'buzzer', role: 'buzzer', driver: { type: 'memory' } },
      { id: 'fan', role: 'fan', driver: { type: 'memory' } },
    ],
    linkage: [
      {
        when: { kind: 'smoke', state: 'alarm' },
        do: [
          { output: 'buzzer', action: 'on' },
          { output: 'fan', action: 'on' },
        ],
      },
    ],
  });
}

describe('recording never holds back acting', () => {
  it('the outbox throws SQLITE_FULL and the state file cannot be opened: the buzzer and fan still go on', async () => {
    // A data directory that cannot exist: a file stands where it should be.
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    let full = true;
    const recorded: GatewayEvent[] = [];
    const inputs = new Map<string, (active: boolean) => void>();
    const rt = new GatewayRuntime(config(join(blocker, 'data')), {
      profiles: BUILTIN_PROFILES,
      log: createLogger({ level: 'silent' }),
      record: (e) => {
        if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        recorded.push(e);
      },
      memoryInputs: inputs,
      retryStorageMs: 50,
    });
    await rt.start();
    inputs.get('old-smoke-alarm')?.(true);
    await waitFor(() => rt.status().outputs.buzzer?.level === 'on' && rt.status().outputs.fan?.level === 'on', 3000, 'buzzer and fan on');
    const st = rt.status();
    expect(st.channels.find((c) => c.device === 'old-smoke-alarm')).toMatchObject({ state: 'alarm', latched: true });
    expect(st.storage).toMatchObject({ ok: false, lastError: 'database or disk is full', unsaved: true });
    expect(st.storage.unrecorded).toBeGreaterThanOrEqual(3); // the alarm and the outputs' events

    // The disk has room again: everything kept is recorded, in the order it happened.
    full = false;
    await waitFor(() => rt.status().storage.unrecorded === 0, 3000, 'recorded after the disk came back');
    const kinds = recorded.map((e) =>
      e.type === 'channel' ? `channel:${e.state}` : e.type === 'output' ? `output:${e.output}:${e.level}:${e.status}` : e.type,
    );
    expect(kinds.indexOf('channel:alarm')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('channel:alarm')).toBeLessThan(kinds.indexOf('output:buzzer:on:commanded'));
    expect(kinds.indexOf('output:buzzer:on:commanded')).toBeLessThan(kinds.indexOf('output:buzzer:on:confirmed'));
    const stop = await rt.stop();
    // The state file never opened: the stop says the state was not saved.
    expect(stop.saved).toBe(false);
  });

  it('silence and reset go through the same path and act even while recording fails', async () => {
    const inputs = new Map<string, (active: boolean) => void>();
    const rt = new GatewayRuntime(config(join(dir, 'ok')), {
      profiles: BUILTIN_PROFILES,
      log: createLogger({ level: 'silent' }),
      record: () => {
        throw new Error('SQLITE_IOERR: disk I/O error');
      },
      memoryInputs: inputs,
    });
    await rt.start();
    inputs.get('old-smoke-alarm')?.(true);
    await waitFor(() => rt.status().outputs.buzzer?.level === 'on', 3000, 'buzzer on');
    expect(await rt.silence()).toEqual(['buzzer']);
    await waitFor(() => rt.status().outputs.buzzer?.level === 'off', 3000, 'buzzer silenced');
    expect(rt.status().outputs.fan?.level).toBe('on');
    inputs.get('old-smoke-alarm')?.(false);
    await sleep(50);
    expect((await rt.reset({}, 'local')).reset).toEqual(['old-smoke-alarm/contact']);
    await waitFor(() => rt.status().outputs.fan?.level === 'off', 3000, 'fan released by the reset');
    await rt.stop();
  });
});
