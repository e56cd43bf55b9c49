/**
 * One program in a pseudo-terminal: started by node-pty's native fork on the fork thread
 * (pty-fork.ts), so that the fork never stalls the event loop; read and written here, delivering
 * output as bytes and reporting the exit only after every byte the program wrote has been read.
 *
 * The master is read through a libuv stream (a tty.ReadStream, as node-pty does), and libuv ends a stream
 * when poll() reports POLLHUP after a short read. A PTY master reports POLLHUP as soon as the
 * program's side closes, while up to a kernel buffer of output is still unread (reads return at
 * most ~4 KB each), so the tail of the output is dropped: measured here, 64 KiB written just
 * before exit lost 1-14 KiB in about a third of runs. Once the program has exited, the stream is
 * given EXIT_CLOSE_WAIT_MS to close by itself and is then destroyed (a paused stream, under flow
 * control, never closes by itself). Both paths end in the stream's destroy(), which here first
 * reads what the stream buffered and then reads the master fd directly until the kernel says EIO
 * (the program's side is closed and empty) or EAGAIN (a background process still holds the
 * terminal open and has nothing more to say right now).
 *
 * Input goes through InputWriter, not a stream: node-pty's own writer retries a write the kernel
 * refuses (EAGAIN: the program is not reading) on every event-loop turn, which measured here
 * burns a whole core for as long as any input waits.
 */
import { readSync, writeSync } from "node:fs";
import tty from "node:tty";
import { TUNING } from "./config.js";
import { forkPty, nodePty, type ForkExit } from "./pty-fork.js";
import { signalGroup } from "./signals.js";

export interface PtyExit {
  /** Set when the program returned normally. */
  exitCode: number | undefined;
  /** Set (a signal number) when a signal ended the program. */
  signal: number | undefined;
}

/** What a program is started with: the program, its arguments, environment and directory, the terminal's size. */
export interface PtyLaunch {
  /** Program path or name (execvp looks names up in env PATH); never run through a shell. */
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  rows: number;
  cols: number;
}

export interface PtyProcessOptions extends PtyLaunch {
  /** Output, in order, as the bytes the program wrote. */
  onData(chunk: Buffer): void;
  /** Called once, after the last onData. */
  onExit(exit: PtyExit): void;
}

/**
 * After the program exited, how long the output stream may take to close by itself (the
 * terminal's last holder gone, its buffer read) before it is drained and closed here: the time
 * node-pty gives it. A paused stream or a background process still holding the terminal would
 * otherwise keep the exit from being reported.
 */
const EXIT_CLOSE_WAIT_MS = 200;

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
  private readonly fd: number;
  private readonly socket: tty.ReadStream;
  private readonly input: InputWriter;
  private exited = false;
  /** Set once the master is (about to be) closed: its number may then be reused at once. */
  private fdClosed = false;

  private constructor(opts: PtyProcessOptions, pid: number, fd: number, exit: Promise<ForkExit>) {
    this.pid = pid;
    this.fd = fd;
    this.input = new InputWriter(fd);
    this.socket = new tty.ReadStream(fd);
    let closed = false;
    const whenClosed = new Promise<void>((resolve) =>
      this.socket.once("close", () => {
        closed = true;
        resolve();
      }),
    );
    // EIO when the terminal's last holder closed it: the end of the output, not an error. The
    // stream is destroyed (and drained) on any error either way.
    this.socket.on("error", () => {});
    this.installExitDrain(opts.onData);
    this.socket.on("data", (data: Buffer) => opts.onData(data));
    void exit.then(async ({ exitCode, signal }) => {
      this.exited = true;
      // Input the program never read is dropped now rather than retried against a closed fd.
      this.input.close();
      if (!closed) {
        const timer = setTimeout(() => this.socket.destroy(), EXIT_CLOSE_WAIT_MS);
        await whenClosed;
        clearTimeout(timer);
      }
      opts.onExit(signal ? { exitCode: undefined, signal } : { exitCode, signal: undefined });
    });
  }

  /** Starts the program. Rejects if the PTY or the process cannot be created. */
  static async spawn(opts: PtyProcessOptions): Promise<PtyProcess> {
    const { pid, fd, exited } = await forkPty({
      file: opts.file,
      args: opts.args,
      // As node-pty's spawn() builds it: PWD is the cwd, TERM the terminal's name.
      env: Object.entries({ ...opts.env, PWD: opts.cwd, TERM: opts.env.TERM ?? TUNING.DEFAULT_TERM }).map(([k, v]) => `${k}=${v}`),
      cwd: opts.cwd,
      cols: opts.cols,
      rows: opts.rows,
    });
    return new PtyProcess(opts, pid, fd, exited);
  }

  write(data: Buffer): void {
    if (!this.exited) this.input.write(data);
  }

  /** Input bytes queued because the program does not read them (yet). */
  pendingInputBytes(): number {
    return this.input.pending;
  }

  resize(rows: number, cols: number): void {
    if (!this.exited && !this.fdClosed) nodePty.native.resize(this.fd, cols, rows);
  }

  /** Stops reading: the kernel buffer fills and the program blocks in write(). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends a signal to the program's process group. */
  signal(signal: number): void {
    if (!this.exited) signalGroup(this.pid, signal);
  }

  private installExitDrain(deliver: (chunk: Buffer) => void): void {
    const socket = this.socket;
    const destroy = socket.destroy.bind(socket);
    let drained = false;
    socket.destroy = (err?: Error) => {
      if (!drained) {
        drained = true;
        // Nothing may be written to the fd once it is closed (its number may be reused at once).
        this.fdClosed = true;
        this.input.close();
        // What the stream already read but has not emitted (paused by flow control): read()
        // emits it as 'data', to deliver().
        while (socket.read() !== null);
        drainFd(this.fd, deliver);
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
