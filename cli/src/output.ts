/**
 * Writing session output to stdout as bytes, with backpressure (a slow pipe slows the replay
 * instead of filling memory), and quietly stopping when the reader goes away (`| head`).
 * Also the progress line shown on stderr during long replays.
 */
import type { WriteStream } from "node:tty";
import { humanBytes } from "./table.js";

export class OutputSink {
  /** The reader closed the pipe (EPIPE): stop producing, exit quietly. */
  closed = false;
  private failure: Error | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") this.closed = true;
      else this.failure = err;
    });
  }

  async write(data: Buffer | string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed || data.length === 0) return;
    if (this.stream.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("error", done);
        this.stream.off("close", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("error", done);
      this.stream.on("close", done);
    });
    if (this.failure) throw this.failure;
  }
}

export const PROGRESS = Object.freeze({
  /** A replay shorter than this shows no progress at all (no flicker for small sessions). */
  SHOW_AFTER_MS: 1_000,
  /** Redraw at most this often: redrawing costs terminal bandwidth the replay could use. */
  REDRAW_MS: 250,
});

/** "replaying 12 MiB of 50 MiB (24%)" on one self-overwriting stderr line, TTY only. */
export class Progress {
  private bytes = 0;
  private readonly startedAt: number;
  private lastDraw = 0;
  private shown = false;
  private readonly now: () => number;

  constructor(
    private readonly stderr: NodeJS.WritableStream,
    private readonly opts: { enabled: boolean; total: number; label: string; now?: () => number },
  ) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  get count(): number {
    return this.bytes;
  }

  static enabledFor(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): boolean {
    // When stdout is the same terminal, the progress line would be drawn into the replay itself.
    return (stderr as WriteStream).isTTY === true && (stdout as WriteStream).isTTY !== true;
  }

  add(bytes: number): void {
    this.bytes += bytes;
    if (!this.opts.enabled) return;
    const now = this.now();
    if (now - this.startedAt < PROGRESS.SHOW_AFTER_MS || now - this.lastDraw < PROGRESS.REDRAW_MS) return;
    this.lastDraw = now;
    this.shown = true;
    const total = Math.max(this.opts.total, this.bytes);
    const pct = total > 0 ? ` (${Math.floor((this.bytes / total) * 100)}%)` : "";
    this.stderr.write(`\r\x1b[K${this.opts.label} ${humanBytes(this.bytes)} of ${humanBytes(total)}${pct}`);
  }

  done(): void {
    if (this.shown) this.stderr.write("\r\x1b[K");
    this.shown = false;
  }
}
