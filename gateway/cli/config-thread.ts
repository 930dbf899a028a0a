// `run` reads and checks its config on a short-lived thread: the config schema (zod), the YAML parser and
// the parse of the built-in profiles are needed once, at start, and a box should not keep them in memory
// for months (issue 11: they are ≈ 20 MB of the gateway's footprint). The thread ends once it has
// answered, and its memory goes with it. If a thread cannot be had, the config is read here instead: the
// gateway must start whatever.

import { Worker } from 'node:worker_threads';
import type { LoadResult, Profile } from '../../config/index.js';

export interface LoadedConfig {
  loaded: LoadResult;
  builtinProfiles: Readonly<Record<string, Profile>>;
  /** Why the config was read on the main thread after all (logged by `run`); absent when the thread did it. */
  fallback?: string;
}

interface Request {
  file: string;
  env: Record<string, string | undefined>;
  text?: string;
}

/**
 * The config file loaded as `run` loads it (TLS file problems as warnings), off the main thread. With
 * `text`: that text, as if it were `file` (a config from the platform or the history: the file's folder
 * is where its relative paths point).
 */
export async function loadConfigAside(file: string, env: NodeJS.ProcessEnv, text?: string): Promise<LoadedConfig> {
  try {
    return await new Promise<LoadedConfig>((resolve, reject) => {
      const request: Request = { file, env: { ...env }, ...(text !== undefined ? { text } : {}) };
      const worker = new Worker(new URL('./config-thread-main.js', import.meta.url), { workerData: request });
      worker.once('message', (m: LoadedConfig) => {
        resolve(m);
        void worker.terminate();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`config thread exited with ${code} before answering`)));
    });
  } catch (err) {
    return { ...(await loadConfigHere(file, env, text)), fallback: (err as Error).message };
  }
}

export async function loadConfigHere(file: string, env: NodeJS.ProcessEnv, text?: string): Promise<LoadedConfig> {
  const [{ loadConfigFile, loadConfigText }, { BUILTIN_PROFILES }] = await Promise.all([
    import('../../config/load.js'),
    import('../../drivers/profiles/index.js'),
  ]);
  const options = { builtinProfiles: BUILTIN_PROFILES, env, tlsFilesAsWarnings: true };
  return { loaded: text === undefined ? loadConfigFile(file, options) : loadConfigText(text, file, options), builtinProfiles: BUILTIN_PROFILES };
}
