// `run` loads its config on a short-lived thread (gateway/cli/config-thread.ts). What comes back across
// the thread must be the very config the loader made here, and a bad file must say what it said here.
// The built code is used: the thread runs dist/…/config-thread-main.js (npm test builds first).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
type Mod = typeof import('../../gateway/cli/config-thread.js');
const mod = (await import(join(ROOT, 'dist/gateway/cli/config-thread.js'))) as Mod;
const tmp = mkdtempSync(join(tmpdir(), 'jx-config-thread-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('config loaded on its own thread', () => {
  it('gives the same config, risk, warnings and built-in profiles as loading it here', async () => {
    const file = join(ROOT, 'config/examples/simulated-venue.yaml');
    const aside = await mod.loadConfigAside(file, { JX_MQTT_URL: 'mqtt://127.0.0.1:1999' });
    const here = await mod.loadConfigHere(file, { JX_MQTT_URL: 'mqtt://127.0.0.1:1999' });
    expect(aside.fallback).toBeUndefined();
    expect(aside.loaded.status).toBe('ok');
    expect(aside.loaded.config?.uplink?.url).toBe('mqtt://127.0.0.1:1999');
    expect(aside.loaded).toEqual(here.loaded);
    expect(aside.builtinProfiles).toEqual(here.builtinProfiles);
    expect(Object.keys(aside.builtinProfiles)).toContain('gas-lel');
  });

  it('a broken file comes back with its diagnostics, not as a thread failure', async () => {
    const file = join(tmp, 'broken.yaml');
    writeFileSync(file, 'gateway:\n\tid: GW-1\n');
    const aside = await mod.loadConfigAside(file, {});
    expect(aside.fallback).toBeUndefined();
    expect(aside.loaded.status).toBe('syntax');
    expect(aside.loaded.errors[0]?.message).toMatch(/Tabs are not allowed as indentation/);
    const missing = await mod.loadConfigAside(join(tmp, 'nope.yaml'), {});
    expect(missing.loaded.status).toBe('unreadable');
    expect(missing.loaded.errors[0]?.message).toBe('cannot read: no such file');
  });
});
