/**
 * Runs a background job (compactor pass, reaper pass) every interval until stopped.
 *
 * Passes never overlap: the next one starts one interval after the previous one started, or at
 * once if that one took longer. A pass that throws is logged and the schedule continues; the job
 * itself decides what is worth retrying.
 * stop() aborts the pass in progress through its signal and resolves once it has returned, so the
 * owner can close the pool after it.
 */
import type { Logger } from "@ptykeep/proto";

export interface PeriodicJob {
  /** Aborts the pass in progress and waits for it; no pass starts after this. Idempotent. */
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  name: string;
  intervalMs: number;
  log: Logger;
  run(signal: AbortSignal): Promise<unknown>;
  /** Wait before the first pass; defaults to the interval (start-up is busy enough). */
  firstDelayMs?: number;
}

export function runPeriodically(opts: PeriodicOptions): PeriodicJob {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  const schedule = (ms: number) => {
    if (abort.signal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      const started = Date.now();
      current = pass().finally(() => {
        current = undefined;
        // Passes start at the interval's cadence (a pass's own duration does not stretch it),
        // but never overlap: a pass longer than the interval is followed at once.
        schedule(Math.max(0, opts.intervalMs - (Date.now() - started)));
      });
    }, ms);
    // A pending pass must not keep a process alive that has nothing else to do.
    timer.unref();
  };

  const pass = async () => {
    try {
      await opts.run(abort.signal);
    } catch (err) {
      if (!abort.signal.aborted) opts.log.warn({ err, job: opts.name }, "background pass failed; the next one retries");
    }
  };

  schedule(opts.firstDelayMs ?? opts.intervalMs);
  return {
    stop() {
      stopped ??= (async () => {
        abort.abort(new Error(`${opts.name} stopped`));
        if (timer) clearTimeout(timer);
        await current;
      })();
      return stopped;
    },
  };
}
