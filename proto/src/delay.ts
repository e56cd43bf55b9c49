/** Waiting: a delay that an abort signal ends early, and the retry backoff both sides use. */

/**
 * Resolves after `ms`, or at once (without an error) when `signal` aborts, so a loop that waits
 * checks its signal afterwards. The timer is unref'd unless `ref` is set: a wait alone must not
 * keep a process alive that is otherwise done (shutdown grace periods), while a wait that is the
 * process's only work (a CLI polling) sets `ref`.
 */
export function delay(ms: number, opts: { signal?: AbortSignal; ref?: boolean } = {}): Promise<void> {
  const { signal } = opts;
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    if (!opts.ref) t.unref();
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Exponential backoff with equal jitter: attempt 0 waits about `initialMs`, each attempt doubles
 * the ceiling up to `maxMs`, and the wait is drawn between half the ceiling and the ceiling, so
 * that clients retrying together spread out but none retries at once.
 */
export function backoffMs(attempt: number, opts: { initialMs: number; maxMs: number }): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
