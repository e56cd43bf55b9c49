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
 */
import { readSync } from "node:fs";
import type { Readable } from "node:stream";
import * as nodePty from "node-pty";
import { TUNING } from "./config.js";
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
  _fd: number;
  /** Input accepted by write() and not yet taken by the kernel (the program is not reading). */
  _writeStream?: { _writeQueue?: Array<{ buffer: Buffer; offset: number }>; dispose?: () => void };
}

export class PtyProcess {
  readonly pid: number;
  private readonly pty: nodePty.IPty;
  private exited = false;

  private constructor(opts: PtyProcessOptions) {
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
    this.installExitDrain(opts.onData);
    // With `encoding: null` node-pty emits Buffers; its typings only know strings.
    this.pty.onData((data) => opts.onData(data as unknown as Buffer));
    this.pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      // Input the program never read is dropped now rather than retried against a closed fd.
      const writer = (this.pty as unknown as UnixTerminalInternals)._writeStream;
      if (writer?._writeQueue) writer._writeQueue.length = 0;
      writer?.dispose?.();
      opts.onExit(signal ? { exitCode: undefined, signal } : { exitCode, signal: undefined });
    });
  }

  /** Starts the program. Throws if the PTY or the process cannot be created. */
  static spawn(opts: PtyProcessOptions): PtyProcess {
    return new PtyProcess(opts);
  }

  write(data: Buffer): void {
    if (!this.exited) this.pty.write(data);
  }

  /** Input bytes queued because the program does not read them (yet). */
  pendingInputBytes(): number {
    const queue = (this.pty as unknown as UnixTerminalInternals)._writeStream?._writeQueue ?? [];
    let bytes = 0;
    for (const task of queue) bytes += task.buffer.length - task.offset;
    return bytes;
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
