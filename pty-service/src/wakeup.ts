/**
 * One waiter woken by its owner: a queue or window parks its reader here until something changes
 * (wake) or the reader's signal fires. At most one wait is pending at a time.
 */
export class Wakeup {
  private waiter: (() => void) | undefined;

  /** Resolves on the next wake(), or when signal fires (at once if it already has); never rejects. */
  wait(signal: AbortSignal): Promise<void> {
    // An abort that came before this call has already fired its event.
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.waiter = undefined;
        resolve();
      };
      this.waiter = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }

  wake(): void {
    this.waiter?.();
  }
}
