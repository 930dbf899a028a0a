// A data directory nobody else owns (issue 21, item 2), with the real `run` process and the real CLI.
// Another local user is played by a uid with no account (chown needs root, as CI is): a directory that
// user made first is refused, and the gateway goes on acting without it; a control socket that user put
// there is not believed by `jiuxiao-gateway reset`. Run by hand with umask 022, the gateway's directory
// and files are still not readable by others.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCommand, startProcess, stopAll, stopProcess } from '../helpers/proc.js';
import { Gateway, GATEWAY, Venue } from './venue.js';
import { waitFor } from '../helpers/wait.js';

const tmp = mkdtempSync(join(tmpdir(), 'jx-datadir-'));
chmodSync(tmp, 0o755); // the directories above a data directory: root's, not writable by others
const root = process.getuid?.() === 0;
/** Another local user: a login account's uid that has no entry here. */
const OTHER = 54321;
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const v of open.splice(0)) await v.close();
});

afterAll(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

async function venue(name: string, dataDir: string): Promise<Venue> {
  const v = new Venue({ dir: join(tmp, name), brokerUrl: undefined, dataDir });
  open.push(v);
  await v.start();
  return v;
}

/** `run` under a shell with umask 022, as an installer trying it by hand. */
async function runByHand(v: Venue): Promise<Gateway> {
  const proc = await startProcess('sh', ['-c', `umask 022; exec node ${GATEWAY} run --config ${v.configFile}`], /gateway running/, 15_000);
  v.gateway = new Gateway(proc);
  return v.gateway;
}

const cli = (args: string[]) => runCommand('node', [GATEWAY, ...args], 15_000);
const mode = (p: string) => `0${(statSync(p).mode & 0o777).toString(8)}`;

describe.skipIf(!root)('the data directory is the gateway’s own (needs root)', () => {
  it('made 0750 with its files 0600 whatever the umask; an older 0755/0644 one is tightened', async () => {
    const data = join(tmp, 'by-hand', 'data');
    const v = await venue('by-hand', data);
    await runByHand(v);
    await waitFor(
      () => ['outbox.db', 'outbox.db-wal', 'state.db', 'control.sock'].every((f) => statExists(join(data, f))),
      10_000,
      'outbox and state files',
      100,
    );
    expect(mode(data)).toBe('0750');
    const files = ['outbox.db', 'outbox.db-wal', 'outbox.db-shm', 'state.db', 'state.db-wal', 'state.db-shm'].filter((f) => statExists(join(data, f)));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect([f, mode(join(data, f))]).toEqual([f, '0600']);
    expect(mode(join(data, 'control.sock'))).toBe('0600');
    await stopProcess(v.gateway?.proc);

    // As an older version left them, readable by everyone: taken back, and said.
    chmodSync(data, 0o755);
    for (const f of ['outbox.db', 'state.db']) chmodSync(join(data, f), 0o644);
    const gw = await runByHand(v);
    expect(mode(data)).toBe('0750');
    expect(mode(join(data, 'outbox.db'))).toBe('0600');
    expect(gw.lines.find((l) => l.msg === 'data directory: taken away what other users could read')?.tightened).toEqual([
      `${data} 0755 → 0750`,
      'outbox.db 0644 → 0600',
      'state.db 0644 → 0600',
    ]);
  }, 60_000);

  it('one another user made first is refused: said why, acting goes on, no control socket in it', async () => {
    const data = join(tmp, 'taken', 'data');
    mkdirSync(data, { recursive: true, mode: 0o700 });
    chownSync(data, OTHER, OTHER);
    const v = await venue('taken', data);
    const gw = await v.run();
    const refusal = gw.lines.find((l) => l.msg === 'data directory refused: running without saved state, the outbox in memory, no local control socket');
    expect(refusal?.code).toBe('JX_DATA_DIR_UNSAFE');
    expect(refusal?.reason).toBe(
      `data directory ${data} belongs to uid ${OTHER}, not to root (uid 0) that runs the gateway: that user could read the venue's events, change the saved state and replace the control socket. Give it to the gateway's user (chown 0 ${data}), or remove it and let the gateway make it.`,
    );
    expect(statExists(join(data, 'control.sock'))).toBe(false);
    expect(statExists(join(data, 'outbox.db'))).toBe(false);
    // The status page says the box cannot keep what happens; the valve is still driven (closed at start).
    const s = await v.statusJson();
    expect(s.storage.ok).toBe(false);
    expect(s.storage.lastError).toMatch(/belongs to uid 54321/);
    await waitFor(async () => (await v.coils())?.valveOpen === false, 5000, 'the fail-safe closed valve', 100);
    // `reset` finds no gateway there, and says so.
    const r = await cli(['reset', '--config', v.configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no gateway is running with data directory ${data}`);
  }, 60_000);

  it('a control socket another user put there is not believed: reset says whose it is, and nothing is claimed', async () => {
    const data = join(tmp, 'listener', 'data');
    mkdirSync(data, { recursive: true, mode: 0o750 });
    chownSync(data, OTHER, OTHER);
    const v = await venue('listener', data);
    // The other user's listener, answering every reset with a success.
    let asked = 0;
    const fake: Server = createServer((sock) => {
      asked++;
      sock.end(`${JSON.stringify({ ok: true, reset: ['kitchen-gas/lel', 'gas-valve'], refused: [] })}\n`);
    });
    const sockPath = join(data, 'control.sock');
    await new Promise<void>((r) => fake.listen(sockPath, r));
    open.push({ close: () => new Promise<void>((r) => fake.close(() => r())) });
    chownSync(sockPath, OTHER, OTHER);
    const r = await cli(['reset', '--config', v.configFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/^reset /m);
    expect(r.stderr).toContain(`not asking: ${sockPath} belongs to uid ${OTHER}, a login account`);
    expect(asked).toBe(0);
    // Its owner and the directory's differ, or the directory is open to others: not believed either.
    chownSync(sockPath, 0, 0);
    expect((await cli(['status', '--config', v.configFile])).stderr).toContain(`${sockPath} belongs to root (uid 0), but the data directory to uid ${OTHER}`);
    chownSync(data, 0, 0);
    chmodSync(data, 0o777);
    expect((await cli(['status', '--config', v.configFile])).stderr).toContain(`the data directory ${data} is writable by every user (mode 0777)`);
    expect(asked).toBe(0);
  }, 60_000);

  it('a directory writable by others, or inside one that is not sticky, is refused with the fix', async () => {
    const open1 = join(tmp, 'open', 'data');
    mkdirSync(open1, { recursive: true });
    chmodSync(open1, 0o777);
    const v1 = await venue('open', open1);
    const gw1 = await v1.run();
    expect(errOf(gw1)).toBe(
      `data directory ${open1} is writable by every user (mode 0777): another user could replace its files and the control socket. Make it the gateway user's alone: chmod 0750 ${open1}.`,
    );
    await stopProcess(gw1.proc);

    // Group-writable: refused for a group other users may be in; harmless for a group of the owner alone
    // (a user private group, as Debian and Ubuntu make; here root's group holds root alone).
    const grouped = join(tmp, 'grouped', 'data');
    mkdirSync(grouped, { recursive: true });
    chmodSync(grouped, 0o770);
    chownSync(grouped, 0, OTHER);
    const v3 = await venue('grouped', grouped);
    const gw3 = await v3.run();
    expect(errOf(gw3)).toMatch(/is writable by its group \(mode 0770\)/);
    await stopProcess(gw3.proc);
    chownSync(grouped, 0, 0);
    const gw4 = await v3.run();
    expect(errOf(gw4)).toBeUndefined();
    await waitFor(() => statExists(join(grouped, 'outbox.db')), 10_000, 'the outbox in it', 100);
    await stopProcess(gw4.proc);

    const parent = join(tmp, 'shared-parent');
    mkdirSync(join(parent, 'data'), { recursive: true, mode: 0o750 });
    chmodSync(parent, 0o777);
    const v2 = await venue('under-open', join(parent, 'data'));
    const gw2 = await v2.run();
    expect(errOf(gw2)).toMatch(new RegExp(`is inside ${parent}, which other users can write to \\(mode 0777, not sticky\\)`));
  }, 60_000);
});

function errOf(gw: Gateway): string | undefined {
  return gw.lines.find((l) => l.msg?.startsWith('data directory refused'))?.reason as string | undefined;
}

function statExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
