/**
 * One waiter woken by its owner: a queue or window parks its reader here until something changes
 * (wake) or the reader's signal fires. At most one wait is pending at a time.
 */
export class Wakeup {
  private waiter: (() => void) | undefined;

  /** Resolves on the next wake(), or when signal fires; never rejects. */
  wait(signal: AbortSignal): Promise<void> {
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
