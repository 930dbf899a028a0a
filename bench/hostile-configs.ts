// Hostile config files for the bounds of config/bounds.ts (issue 21): what an attacker or an unlucky
// site would hand to check-config, `run` or the platform's remote config. Made on demand in `dir` (the
// large ones are too big to keep in the repository); shared by test/config-bounds.test.ts and
// bench/config.ts.

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_BOUNDS } from '../config/bounds.js';

const MB = 1024 * 1024;
const BOUND = CONFIG_BOUNDS.fileBytes;

const head = (name: string) => `gateway:
  id: GW-500242-0001
  dataDir: /tmp/jx-case
venue:
  id: V-500242-0001
  name: ${name}
  adminCode: "500242100000"
  category: shopping
  flammables: false
  fireKeyUnit: false
  mixedUse: false
  heavyGasUse: false
buses:
  - { id: line1, type: tcp, host: 127.0.0.1 }
devices:
`;

/** The venue's name last in the file, quoted, to be filled in. */
const nameLast = `${head('小卖部')
  .replace(/buses:[\s\S]*/, '')
  .replace('  name: 小卖部\n', '')}  name: "`;

/** Writes `prefix`, then `line(i)` until the file is `bytes` long (about), then `suffix`. */
function fill(file: string, prefix: string, line: (i: number) => string, bytes: number, suffix = ''): void {
  const fd = openSync(file, 'w');
  try {
    let n = writeSync(fd, prefix);
    const chunk: string[] = [];
    let size = 0;
    for (let i = 0; n + size < bytes; i++) {
      const l = line(i);
      chunk.push(l);
      size += Buffer.byteLength(l);
      if (chunk.length === 4096) {
        n += writeSync(fd, chunk.join(''));
        chunk.length = 0;
        size = 0;
      }
    }
    writeSync(fd, chunk.join('') + suffix);
  } finally {
    closeSync(fd);
  }
}

/** Makes the files in `dir`; returns their paths by name. */
export function hostileConfigs(dir: string) {
  const device = (i: number) => `  - { id: d${i}, bus: line1, slaveId: ${(i % 247) + 1}, profile: gas-lel }\n`;
  const files = {
    /** About 460 000 devices: 50 MB. */
    bigDeviceList: join(dir, 'big-device-list', 'config.yaml'),
    /** A 50 MB venue name. */
    bigVenueName: join(dir, 'big-venue-name', 'config.yaml'),
    /** Just under the file bound, every byte a device. */
    justUnderWithManyDevices: join(dir, 'many-devices', 'config.yaml'),
    /** Just under the file bound, every byte the venue's name. */
    justUnderWithOneLongName: join(dir, 'long-name', 'config.yaml'),
    /** The "billion laughs": 9 levels of 9 aliases. */
    aliasBomb: join(dir, 'alias-bomb', 'config.yaml'),
    /** Flow lists nested 100 000 deep. */
    deepNesting: join(dir, 'deep', 'config.yaml'),
    /** A device that never ends. */
    endlessStream: '/dev/zero',
  };
  for (const f of Object.values(files)) if (f.startsWith(dir)) mkdirFor(f);
  fill(files.bigDeviceList, head('小卖部'), device, 50 * MB);
  fill(files.bigVenueName, nameLast, () => '老王火锅'.repeat(64), 50 * MB, '"\n');
  fill(files.justUnderWithManyDevices, head('小卖部'), device, BOUND - 200);
  fill(files.justUnderWithOneLongName, nameLast, () => 'x'.repeat(1024), BOUND - 1500, '"\n');
  const laughs = ['x0: &a0 [boom]'];
  for (let i = 1; i < 10; i++)
    laughs.push(
      `x${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  writeFileSync(files.aliasBomb, `${head('小卖部').replace(/buses:[\s\S]*/, '')}${laughs.join('\n')}\n`);
  writeFileSync(files.deepNesting, `${head('小卖部').replace(/buses:[\s\S]*/, '')}x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  return files;
}

function mkdirFor(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
}
