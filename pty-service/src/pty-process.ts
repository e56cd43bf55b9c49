/**
 * One program in a pseudo-terminal: a thin wrapper over node-pty that delivers output as bytes
 * and reports the exit only after every byte the program wrote has been read.
 *
 * Why the wrapper: node-pty reads the PTY master through a libuv stream, and libuv ends a stream
 * when poll() reports POLLHUP after a short read. A PTY master reports POLLHUP as soon as the
 * program's side closes, while up to a kernel buffer of output is still unread (reads return at
 * most ~4 KB each), so the tail of the output is dropped: measured here, 64 KiB written just
 * before exit lost 1-14 KiB in about a third of runs. node-pty also destroys the stream 200 ms
 * after the program exits if it has not closed by then, which drops whatever a paused stream
 * (flow control) still holds. Both paths end in the stream's destroy(); this wrapper makes
 * destroy() first read what the stream buffered and then read the master fd directly until the
 * kernel says EIO (the program's side is closed and empty) or EAGAIN (a background process still
 * holds the terminal open and has nothing more to say right now).
 *
 * node-pty also opens the master without close-on-exec; see the constructor and fd.ts.
 *
 * Input goes through InputWriter rather than node-pty's write(): node-pty retries a write the
 * kernel refuses (EAGAIN: the program is not reading) on every event-loop turn, which measured
 * here burns a whole core for as long as any input waits.
 */
import { readSync, writeSync } from "node:fs";
import type { Readable } from "node:stream";
import * as nodePty from "node-pty";
import { TUNING } from "./config.js";
import { closeOnExecAboveStdio } from "./fd.js";
import { signalGroup } from "./signals.js";

export interface PtyExit {
  /** Set when the program returned normally. */
  exitCode: number | undefined;
  /** Set (a signal number) when a signal ended the program. */
  signal: number | undefined;
}

export interface PtyProcessOptions {
  /** Program path or name (execvp looks names up in env PATH); never run through a shell. */
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  rows: number;
  cols: number;
  /** Output, in order, as the bytes the program wrote. */
  onData(chunk: Buffer): void;
  /** Called once, after the last onData. */
  onExit(exit: PtyExit): void;
}

/** The parts of node-pty's UnixTerminal that are not in its typings but that we need. */
interface UnixTerminalInternals {
  _socket: Readable;
  /** The PTY master: non-blocking, read by _socket, written by InputWriter. */
  _fd: number;
}

/** While the kernel refuses input, retry after this long, doubling up to the maximum. */
const INPUT_RETRY_INITIAL_MS = 1;
const INPUT_RETRY_MAX_MS = 20;

/**
 * Writes input to the PTY master in order. Writes are synchronous on the non-blocking fd (no
 * thread pool, so none can land after the fd was closed and its number reused); what the kernel
 * does not take now waits here and is retried with a short, growing delay.
 */
class InputWriter {
  private readonly queue: Buffer[] = [];
  private offset = 0;
  private pendingBytes = 0;
  private retryMs = INPUT_RETRY_INITIAL_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly fd: number) {}

  get pending(): number {
    return this.pendingBytes;
  }

  write(data: Buffer): void {
    if (this.closed || data.length === 0) return;
    this.queue.push(data);
    this.pendingBytes += data.length;
    if (!this.timer) this.flush();
  }

  /** Drops what is queued; the fd is about to close. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.pendingBytes = 0;
  }

  private flush(): void {
    this.timer = undefined;
    while (!this.closed && this.queue.length > 0) {
      const head = this.queue[0]!;
      let written: number;
      try {
        written = writeSync(this.fd, head, this.offset, head.length - this.offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
          this.timer = setTimeout(() => this.flush(), this.retryMs);
          this.retryMs = Math.min(this.retryMs * 2, INPUT_RETRY_MAX_MS);
        } else {
          this.close(); // EIO/EBADF: the terminal is gone; its input with it
        }
        return;
      }
      this.retryMs = INPUT_RETRY_INITIAL_MS;
      this.offset += written;
      this.pendingBytes -= written;
      if (this.offset >= head.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
  }
}

export class PtyProcess {
  readonly pid: number;
  private readonly pty: nodePty.IPty;
  private readonly input: InputWriter;
  private exited = false;

  private constructor(opts: PtyProcessOptions) {
    // The program gets its terminal on 0, 1 and 2 and nothing else: node-pty leaves every
    // earlier session's master open across exec, and fds the service inherited would pass on
    // too. A program holding another session's master keeps that terminal open after the
    // pty-service dies, so that session's program never gets its hang-up.
    closeOnExecAboveStdio();
    this.pty = nodePty.spawn(opts.file, opts.args, {
      name: opts.env.TERM ?? TUNING.DEFAULT_TERM,
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env,
      // Bytes, never strings: output is stored and replayed exactly as written.
      encoding: null,
    });
    this.pid = this.pty.pid;
    this.input = new InputWriter((this.pty as unknown as UnixTerminalInternals)._fd);
    this.installExitDrain(opts.onData);
    // With `encoding: null` node-pty emits Buffers; its typings only know strings.
    this.pty.onData((data) => opts.onData(data as unknown as Buffer));
    this.pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      // Input the program never read is dropped now rather than retried against a closed fd.
      this.input.close();
      opts.onExit(signal ? { exitCode: undefined, signal } : { exitCode, signal: undefined });
    });
  }

  /** Starts the program. Throws if the PTY or the process cannot be created. */
  static spawn(opts: PtyProcessOptions): PtyProcess {
    return new PtyProcess(opts);
  }

  write(data: Buffer): void {
    if (!this.exited) this.input.write(data);
  }

  /** Input bytes queued because the program does not read them (yet). */
  pendingInputBytes(): number {
    return this.input.pending;
  }

  resize(rows: number, cols: number): void {
    if (!this.exited) this.pty.resize(cols, rows);
  }

  /** Stops reading: the kernel buffer fills and the program blocks in write(). */
  pause(): void {
    this.pty.pause();
  }

  resume(): void {
    this.pty.resume();
  }

  /** Sends a signal to the program's process group. */
  signal(signal: number): void {
    if (!this.exited) signalGroup(this.pid, signal);
  }

  private installExitDrain(deliver: (chunk: Buffer) => void): void {
    const internals = this.pty as unknown as UnixTerminalInternals;
    const socket = internals._socket;
    const fd = internals._fd;
    const destroy = socket.destroy.bind(socket);
    let drained = false;
    socket.destroy = (err?: Error) => {
      if (!drained) {
        drained = true;
        // No input may be written once the fd is closed (its number may be reused at once).
        this.input.close();
        // What the stream already read but has not emitted (paused by flow control): read()
        // emits it as 'data', through node-pty to deliver().
        while (socket.read() !== null);
        drainFd(fd, deliver);
      }
      return destroy(err);
    };
  }
}

function drainFd(fd: number, deliver: (chunk: Buffer) => void): void {
  let total = 0;
  while (total < TUNING.EXIT_DRAIN_MAX_BYTES) {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch {
      return; // EIO: closed and empty. EAGAIN: someone still holds the terminal; nothing now.
    }
    if (n <= 0) return;
    total += n;
    deliver(buf.subarray(0, n));
  }
}
