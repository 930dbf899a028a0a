// The config keeper's rules with the service around it stood in for (pure logic: the real thing runs in
// test/integration/remote-config.test.ts): one config at a time, kept when acting, rolled back when not.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOTPOT } from '../../bench/lib/fixtures.js';
import { ConfigSchema, type Config } from '../../config/index.js';
import { BUILTIN_PROFILES } from '../../drivers/profiles/index.js';
import { createLogger } from '../../gateway/log/logger.js';
import { ConfigKeeper } from '../../gateway/fleet/config-keeper.js';
import { ConfigStore } from '../../gateway/fleet/config-store.js';
import { waitFor } from '../helpers/wait.js';

const root = mkdtempSync(join(tmpdir(), 'jx-keeper-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const config = (warning: number): Config =>
  ConfigSchema.parse({
    gateway: { id: 'GW-K-0001', dataDir: root },
    venue: HOTPOT,
    buses: [{ id: 'b', type: 'tcp', host: '127.0.0.1', port: 502 }],
    devices: [{ id: 'gas1', bus: 'b', slaveId: 1, profile: 'gas-lel', channels: { lel: { warning } } }],
  });

function keeper(acting: () => boolean) {
  const store = new ConfigStore(join(root, `k${Math.random()}`));
  const site = 'site: 10\n';
  const entry = store.resolve(site).entry;
  const events: Record<string, unknown>[] = [];
  const switches: string[] = [];
  const k = new ConfigKeeper({
    siteText: site,
    store,
    log: createLogger({ level: 'silent' }),
    everyMs: 20,
    running: { config: config(10), entry, builtinProfiles: BUILTIN_PROFILES },
    hooks: {
      // The text says the warning threshold: "warning: N".
      load: async (text) => ({
        loaded: { status: 'ok', file: 'x', config: config(Number(/\d+/.exec(text)?.[0] ?? 10)), errors: [], warnings: [], secrets: {} },
        builtinProfiles: BUILTIN_PROFILES,
      }),
      switchTo: async (_loaded, e) => void switches.push(e.version),
      acting: () => ({ ok: acting(), why: acting() ? '' : 'device gas1 not answering (timeout)', uplinkConnected: false }),
      report: (body) => void events.push(body),
    },
  });
  return { k, store, events, switches };
}

describe('config keeper', () => {
  it('one config at a time: an offer before the last one is kept is refused; kept, the next is taken', async () => {
    const { k, events, switches } = keeper(() => true);
    const a = await k.offer({ version: 'a', sha256: sha('warning: 8\n'), config: 'warning: 8\n', probationS: 10 });
    expect(a).toMatchObject({ ok: true, result: { state: 'probation' } });
    const b = await k.offer({ version: 'b', sha256: sha('warning: 9\n'), config: 'warning: 9\n', probationS: 10 });
    expect(b).toMatchObject({ ok: false, reason: expect.stringMatching(/still on probation/) });
    await waitFor(() => events.some((e) => e.state === 'kept' && e.version === 'a'), 5000, 'a kept');
    expect(await k.offer({ version: 'b', sha256: sha('warning: 9\n'), config: 'warning: 9\n', probationS: 10 })).toMatchObject({ ok: true });
    await waitFor(() => events.some((e) => e.state === 'kept' && e.version === 'b'), 5000, 'b kept');
    expect(switches).toEqual(['a', 'b']);
    // The same config again: nothing to do, said as kept.
    expect(await k.offer({ version: 'b2', sha256: sha('warning: 9\n'), config: 'warning: 9\n', probationS: 10 })).toMatchObject({
      ok: true,
      result: { state: 'kept', unchanged: true },
    });
  });

  it('not acting within the probation: back to the last kept config, with the reason', async () => {
    const { k, events, switches, store } = keeper(() => false);
    expect(await k.offer({ version: 'bad', sha256: sha('warning: 7\n'), config: 'warning: 7\n', probationS: 10 })).toMatchObject({ ok: true });
    // The probation is 10 s at least by the contract; here the deadline is brought forward.
    const e = store.current()!;
    e.probation!.deadline = Date.now();
    await waitFor(() => events.some((x) => x.state === 'rolled-back'), 5000, 'rolled back');
    expect(events.at(-1)).toMatchObject({
      state: 'rolled-back',
      version: 'bad',
      reason: 'not acting within its probation: device gas1 not answering (timeout)',
    });
    expect(switches).toEqual(['bad', 'site']);
    expect(k.current).toMatchObject({ version: 'site', state: 'kept' });
  });
});
