// Waiting in tests, one way: poll a condition until it holds or a bound passes (every loop stops by itself),
// and a plain pause.

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `cond` (sync or async) every `everyMs` until it is true; resolves with the ms it took, rejects after
 * `ms` naming `what`. Poll an expensive check (a process per look) less often.
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 20): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await cond()) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what} (${ms} ms)`);
    await sleep(everyMs);
  }
}
