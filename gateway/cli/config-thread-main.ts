// The body of the config thread (./config-thread.ts): load, answer, end.

import { parentPort, workerData } from 'node:worker_threads';
import { loadConfigHere } from './config-thread.js';

const { file, env, text } = workerData as { file: string; env: NodeJS.ProcessEnv; text?: string };
parentPort?.postMessage(await loadConfigHere(file, env, text));
