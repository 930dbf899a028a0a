// bench/config: what a hostile config file costs check-config (issue 21, item 3), against a real venue's
// config checked in the same run.
//   baseline: check-config on config/examples/hotpot-restaurant.yaml (a valid file of a few kilobytes)
//   ours: each file of bench/hostile-configs.ts (50 MB, just under the bound, alias bomb, deep nesting,
//     /dev/zero), refused; wall time of the command and peak RSS of its process (every thread).
// Each is run in a fresh process (dist/bench/measure-cli.js) REPEAT times; the median time and the
// largest RSS are printed.
// Run: npm run bench:config   (prints figures; never fails on a time)

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileConfigs } from './hostile-configs.js';

const REPEAT = Number(process.env.JX_BENCH_REPEAT ?? 5);
const ROOT = join(import.meta.dirname, '..', '..');
const MEASURE = join(ROOT, 'dist/bench/measure-cli.js');
const dir = mkdtempSync(join(tmpdir(), 'jx-bench-config-'));

function measure(file: string): { code: number; ms: number; rss: number } {
  const runs = Array.from({ length: REPEAT }, () => {
    const out = execFileSync('node', [MEASURE, 'check-config', file], { maxBuffer: 64 * 1024 * 1024 })
      .toString()
      .trim()
      .split('\n')
      .at(-1) as string;
    return JSON.parse(out) as { code: number; ms: number; maxRssMB: number };
  });
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(REPEAT / 2)] as number;
  return { code: (runs[0] as { code: number }).code, ms, rss: Math.max(...runs.map((r) => r.maxRssMB)) };
}

try {
  const base = measure(join(ROOT, 'config/examples/hotpot-restaurant.yaml'));
  console.log(`check-config, median of ${REPEAT} runs each (wall time of the command in its process; peak RSS of the process)`);
  console.log(`  baseline hotpot-restaurant.yaml   exit ${base.code}  ${String(base.ms).padStart(5)} ms  ${String(base.rss).padStart(4)} MB`);
  for (const [name, file] of Object.entries(hostileConfigs(dir))) {
    const r = measure(file);
    console.log(
      `  ${name.padEnd(32)} exit ${r.code}  ${String(r.ms).padStart(5)} ms  ${String(r.rss).padStart(4)} MB   ×${(r.ms / base.ms).toFixed(2)} time, ${r.rss >= base.rss ? '+' : ''}${r.rss - base.rss} MB`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
