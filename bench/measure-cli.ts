// Runs one jiuxiao-gateway command in this process and prints, as the last line, a JSON object with
// its exit code, its output, the ms it took and the process's peak RSS (from its own resource usage,
// which counts every thread): how test/config-bounds.test.ts and bench/config.ts see a command's cost.
// Usage: node dist/bench/measure-cli.js COMMAND ARGS…

import { runCli } from '../gateway/cli/run-cli.js';

let out = '';
const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), env: process.env };
const t0 = performance.now();
const code = await runCli(process.argv.slice(2), io);
const ms = Math.round(performance.now() - t0);
process.stdout.write(`${JSON.stringify({ code, ms, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), out: out.slice(0, 100_000) })}\n`);
process.exit(0);
