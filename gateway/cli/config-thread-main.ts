// The body of the config thread (./config-thread.ts): load, answer, end.

import { parentPort, workerData } from 'node:worker_threads';
import { loadConfigHere } from './config-thread.js';

const { file, env } = workerData as { file: string; env: NodeJS.ProcessEnv };
parentPort?.postMessage(await loadConfigHere(file, env));
