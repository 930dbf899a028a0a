#!/usr/bin/env node
// Entry point of the `jiuxiao-sim` bin.
import { quietOnClosedPipe } from '../../config/stdio.js';
import { runSimCli } from './run-sim-cli.js';

quietOnClosedPipe();
process.exitCode = await runSimCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});
