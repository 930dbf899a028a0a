// The data directory is the gateway's own (issue 21): it holds the outbox (every alarm not yet delivered),
// the state (closed valves) and the control socket (a local reset reopens a valve through it). A directory
// another user made first, or can write to, lets that user read the venue's events, swap the state, or
// put a listener of their own where `jiuxiao-gateway reset` connects. So, before anything is opened:
//
// - a missing directory is made 0750 by the gateway's user;
// - one owned by another user, or writable by its group or by others, is refused, with why and the fix
//   (a group that holds the owner alone, a "user private group" as Debian and Ubuntu make for each
//   user, is no other user: group-writable is harmless there, as Debian's OpenSSH also allows);
// - every directory above it must be root's or the gateway user's, and not writable by others unless
//   sticky (/tmp): otherwise the data directory could be moved away and replaced (OpenSSH's StrictModes
//   rule for ~/.ssh);
// - what others may read is taken away: the directory to 0750, the gateway's files to 0600.
//
// The CLI applies the same owner rules from the other side before it believes an answer (`trustSocket`).

import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

/** The files the gateway keeps in its data directory. */
const DATA_FILES = ['outbox.db', 'outbox.db-wal', 'outbox.db-shm', 'state.db', 'state.db-wal', 'state.db-shm', 'control.sock'] as const;

/** The mode of a data directory the gateway makes, and what an existing one is tightened to. */
const DATA_DIR_MODE = 0o750;
/** The mode of the gateway's files in it. */
export const DATA_FILE_MODE = 0o600;

class UnsafeDataDir extends Error {
  readonly code = 'JX_DATA_DIR_UNSAFE';
  constructor(
    readonly dir: string,
    why: string,
    readonly fix: string,
  ) {
    super(`data directory ${dir} ${why}. ${fix}`);
    this.name = 'UnsafeDataDir';
  }
}

export interface Claim {
  created: boolean;
  /** What was made less readable, for the log. */
  tightened: string[];
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** Reads a colon-separated system file (/etc/passwd, /etc/group) into its lines' fields; none if absent. */
function records(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Who is `uid` on this system: its name and uid, for messages (a minimal container may have no passwd). */
function userName(uid: number): string {
  const name = records('/etc/passwd').find((f) => f[2] === String(uid))?.[0];
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/** Whether group `gid` can hold no user but `uid`: no other member, nobody else's primary group. */
function groupOfOwnerAlone(gid: number, uid: number): boolean {
  const group = records('/etc/group').find((f) => f[2] === String(gid));
  if (!group) return false;
  const users = records('/etc/passwd');
  const name = users.find((f) => f[2] === String(uid))?.[0];
  const members = (group[3] ?? '').split(',').filter(Boolean);
  if (members.some((m) => m !== name)) return false;
  return users.every((f) => f[3] !== String(gid) || f[2] === String(uid));
}

/** Write bits that let another user in: others', and the group's unless the group is the owner alone. */
function writableByOthers(st: Stats): 'every user' | 'its group' | undefined {
  if (st.mode & 0o002) return 'every user';
  if (st.mode & 0o020 && !groupOfOwnerAlone(st.gid, st.uid)) return 'its group';
  return undefined;
}

/** Makes or checks the data directory for the user running this process; throws UnsafeDataDir. */
export function claimDataDir(dir: string): Claim {
  const uid = process.getuid?.();
  if (uid === undefined) {
    mkdirSync(dir, { recursive: true });
    return { created: false, tightened: [] };
  }
  let created = false;
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
    chmodSync(dir, DATA_DIR_MODE); // exactly, whatever the umask
    created = true;
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new UnsafeDataDir(dir, 'is not a directory', 'Set gateway.dataDir to a directory.');
  if (st.uid !== uid) {
    throw new UnsafeDataDir(
      dir,
      `belongs to ${userName(st.uid)}, not to ${userName(uid)} that runs the gateway: that user could read the venue's events, change the saved state and replace the control socket`,
      `Give it to the gateway's user (chown ${uid} ${dir}), or remove it and let the gateway make it.`,
    );
  }
  const writers = writableByOthers(st);
  if (writers) {
    throw new UnsafeDataDir(
      dir,
      `is writable by ${writers} (mode ${octal(st.mode)}): another user could replace its files and the control socket`,
      `Make it the gateway user's alone: chmod ${octal(DATA_DIR_MODE)} ${dir}.`,
    );
  }
  checkAncestors(dir, uid);
  const tightened: string[] = [];
  if (st.mode & 0o007) {
    chmodSync(dir, st.mode & 0o7770);
    tightened.push(`${dir} ${octal(st.mode)} → ${octal(st.mode & 0o770)}`);
  }
  for (const name of DATA_FILES) {
    const file = join(dir, name);
    let f: Stats;
    try {
      f = lstatSync(file);
    } catch {
      continue;
    }
    if (f.uid !== uid) {
      throw new UnsafeDataDir(
        dir,
        `holds ${name}, which belongs to ${userName(f.uid)}, not to ${userName(uid)} that runs the gateway`,
        `Remove ${file} (or give it to the gateway's user) and start again.`,
      );
    }
    if (!f.isSymbolicLink() && f.mode & 0o077) {
      chmodSync(file, DATA_FILE_MODE);
      tightened.push(`${name} ${octal(f.mode)} → ${octal(DATA_FILE_MODE)}`);
    }
  }
  return { created, tightened };
}

/** Every directory above `dir`: root's or ours, and not writable by others unless sticky. */
function checkAncestors(dir: string, uid: number): void {
  let p = dirname(realpathSync(dir));
  for (;;) {
    const st = statSync(p);
    if (st.uid !== 0 && st.uid !== uid) {
      throw new UnsafeDataDir(
        dir,
        `is inside ${p}, which belongs to ${userName(st.uid)}: that user could move the data directory away and put another in its place`,
        'Keep the data directory under directories owned by root or by the gateway user (the default is /var/lib/jiuxiao-gateway).',
      );
    }
    if (writableByOthers(st) && !(st.mode & 0o1000)) {
      throw new UnsafeDataDir(
        dir,
        `is inside ${p}, which other users can write to (mode ${octal(st.mode)}, not sticky): they could move the data directory away and put another in its place`,
        `chmod go-w ${p}, or choose a data directory elsewhere.`,
      );
    }
    const up = dirname(p);
    if (up === p) return;
    p = up;
  }
}

/** The uids of login accounts: /etc/login.defs UID_MIN…UID_MAX (Debian: 1000…60000). */
function loginUids(): [number, number] {
  let defs = '';
  try {
    defs = readFileSync('/etc/login.defs', 'utf8');
  } catch {
    // no login.defs: Debian's defaults
  }
  const get = (key: string, dflt: number) => Number(new RegExp(`^\\s*${key}\\s+(\\d+)`, 'm').exec(defs)?.[1] ?? dflt);
  return [get('UID_MIN', 1000), get('UID_MAX', 60000)];
}

/**
 * The CLI's side: whether the control socket in `dir` can be believed before a request is sent to it.
 * It must be a socket, owned by the owner of the data directory; the directory must not be writable by
 * group or others; and that owner must be root, the user running the CLI, or a system account (the
 * service's user): a socket that a login account put there is somebody's listener, not the gateway.
 * Returns why not, or undefined.
 */
export function distrustSocket(dir: string, socket: string): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  let d: Stats;
  let s: Stats;
  try {
    d = statSync(dir);
    s = lstatSync(socket);
  } catch {
    return undefined; // not there: connecting says so
  }
  if (!s.isSocket()) return `${socket} is not a socket`;
  if (s.uid !== d.uid) return `${socket} belongs to ${userName(s.uid)}, but the data directory to ${userName(d.uid)}: it is not the gateway's`;
  const writers = writableByOthers(d);
  if (writers) return `the data directory ${dir} is writable by ${writers} (mode ${octal(d.mode)}): its socket could be anyone's`;
  const [first, last] = loginUids();
  if (s.uid !== 0 && s.uid !== uid && s.uid >= first && s.uid <= last) {
    return `${socket} belongs to ${userName(s.uid)}, a login account: the gateway runs as root, as you, or as its system user (jiuxiao)`;
  }
  return undefined;
}
