/**
 * The local terminal during interactive attach: raw mode on the way in, and the terminal put
 * back on every way out — detach, session end, error, a signal (INT, TERM, HUP) or an
 * uncaught exception — so the user's shell is never left without echo or line editing.
 */
import type { ReadStream, WriteStream } from "node:tty";
import { constants as osConstants } from "node:os";
import { EXIT } from "./errors.js";

/**
 * Terminal modes a program may have switched on and not yet off when we stop showing it: mouse
 * reporting, bracketed paste, application cursor keys and keypad, hidden cursor, colours. Each
 * "off" is harmless when the mode was not on.
 */
const MODES_OFF = "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1l\x1b>\x1b[?25h\x1b[0m";
/** Leaving the alternate screen is only sent when the output entered it (see AltScreenTracker). */
const ALT_SCREEN_OFF = "\x1b[?1049l";

/**
 * Follows whether the output last entered or left the alternate screen (full-screen programs:
 * vim, less, htop), looking at bytes only. A sequence split across two chunks is missed; the
 * cost is one needless or one missing "leave" at the end.
 */
export class AltScreenTracker {
  private static readonly ENTER = [Buffer.from("\x1b[?1049h"), Buffer.from("\x1b[?1047h"), Buffer.from("\x1b[?47h")];
  private static readonly LEAVE = [Buffer.from("\x1b[?1049l"), Buffer.from("\x1b[?1047l"), Buffer.from("\x1b[?47l")];
  active = false;

  observe(data: Buffer): void {
    const lastEnter = Math.max(...AltScreenTracker.ENTER.map((s) => data.lastIndexOf(s)));
    const lastLeave = Math.max(...AltScreenTracker.LEAVE.map((s) => data.lastIndexOf(s)));
    if (lastEnter > lastLeave) this.active = true;
    else if (lastLeave > lastEnter) this.active = false;
  }
}

/** What to write to a terminal after showing a session's output on it. */
export function terminalResetSequence(altScreen: boolean): string {
  return (altScreen ? ALT_SCREEN_OFF : "") + MODES_OFF;
}

const EXIT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface TerminalGuardOptions {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Raw mode (interactive attach). False: only the signal and exit handlers are installed. */
  raw: boolean;
  /** Written to stdout when restoring (terminal modes the session's output switched on). */
  resetSequence?: () => string;
  /** Called after restoring, before the process exits because of a signal. */
  onSignal?: (signal: NodeJS.Signals) => void;
}

export class TerminalGuard {
  private restored = false;
  private wasRaw = false;
  private readonly handlers: Array<[string, (...args: never[]) => void]> = [];

  constructor(private readonly opts: TerminalGuardOptions) {}

  enter(): void {
    const stdin = this.opts.stdin as ReadStream;
    if (this.opts.raw && stdin.isTTY) {
      this.wasRaw = stdin.isRaw;
      stdin.setRawMode(true);
    }
    for (const signal of EXIT_SIGNALS) {
      this.on(signal, () => {
        this.restore();
        this.opts.onSignal?.(signal);
        process.exit(EXIT.SIGNAL_BASE + (osConstants.signals[signal] ?? 0));
      });
    }
    this.on("exit", () => this.restore());
    this.on("uncaughtException", (err: Error) => {
      this.restore();
      this.opts.stderr.write(`ptykeep: internal error: ${err.stack ?? err}\n`);
      process.exit(EXIT.FAILURE);
    });
  }

  private on(event: string, handler: (...args: never[]) => void): void {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it, never[] parameters do not type-check
    process.on(event as NodeJS.Signals, handler as () => void);
    this.handlers.push([event, handler]);
  }

  /** Idempotent: puts the terminal back and removes the handlers. */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- as in on()
    for (const [event, handler] of this.handlers) process.off(event, handler as () => void);
    const stdout = this.opts.stdout as WriteStream;
    const reset = this.opts.resetSequence?.();
    try {
      if (reset && stdout.isTTY) stdout.write(reset);
    } catch {
      // The terminal may be gone (SIGHUP); nothing left to restore on it.
    }
    const stdin = this.opts.stdin as ReadStream;
    try {
      if (this.opts.raw && stdin.isTTY) stdin.setRawMode(this.wasRaw);
    } catch {
      // Same: a closed terminal cannot be put back.
    }
  }
}
