#!/usr/bin/env node
// Entry point of the `jiuxiao-gateway` bin.
import { quietOnClosedPipe } from '../../config/stdio.js';
import { closePrompt, processIo } from './io.js';
import { runCli } from './run-cli.js';

quietOnClosedPipe();
process.exitCode = await runCli(process.argv.slice(2), processIo);
closePrompt();
