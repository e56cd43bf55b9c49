/**
 * Starting programs in new terminals off the event loop, with node-pty's native fork on a worker
 * thread (worker/pty-fork.mjs says why and how); and the start-up check of the parts of node-pty
 * this relies on, which are not its public API.
 *
 * node-pty's public `spawn()` forks on the calling thread and reads the master through a stream
 * of that thread, so it cannot fork on one thread and be read on another. The pty-service calls
 * what `spawn()` calls instead: the native addon's `fork(file, args, env, cwd, cols, rows, uid,
 * gid, utf8, helperPath, onexit)` and `resize(fd, cols, rows)`, found through
 * `lib/utils.loadNativeModule("pty")`. Those signatures are node-pty's internals, so node-pty is
 * pinned to one exact version (pty-service/package.json) and checkNodePty() refuses to start on
 * any other, or when one of these pieces is missing, naming what is wrong.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { FD_ADDON_PATH } from "./fd.js";

/** What PtyProcess uses of node-pty's native addon on the main thread. */
export interface NodePtyNative {
  resize(fd: number, cols: number, rows: number): void;
}

/** What the pty-service takes from node-pty, found and checked by loadNodePty(). */
export interface NodePtyParts {
  /** The installed node-pty's version (its package.json). */
  version: string;
  /** The version pty-service/package.json pins. */
  pinned: string;
  /** node-pty's `lib/utils` module. */
  utils: unknown;
  /** Its native addon (what `utils.loadNativeModule("pty").module` returned), if that worked. */
  native: unknown;
  /** Absolute path of the native addon file. */
  nativePath: string;
}

/** The functions of node-pty's native addon the pty-service calls (fork on the fork thread). */
const NATIVE_FUNCTIONS = ["fork", "resize"] as const;

/**
 * Throws, naming what is missing or different, unless `parts` is what the pty-service was written
 * against: the pinned version, `loadNativeModule` in `lib/utils`, and `fork` and `resize` in the
 * native addon.
 */
export function checkNodePty(parts: NodePtyParts): void {
  const problems: string[] = [];
  if (parts.version !== parts.pinned) {
    problems.push(`node-pty ${parts.version} is installed, but the pty-service is written against ${parts.pinned} (pinned in pty-service/package.json); install that version, or check the parts below against the new one and change the pin`);
  }
  if (typeof (parts.utils as { loadNativeModule?: unknown } | null)?.loadNativeModule !== "function") {
    problems.push("node-pty's lib/utils has no loadNativeModule() (it finds the native addon)");
  }
  for (const name of NATIVE_FUNCTIONS) {
    if (typeof (parts.native as Record<string, unknown> | null)?.[name] !== "function") {
      problems.push(`node-pty's native addon (${parts.nativePath || "not found"}) has no ${name}() function`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`pty-service: node-pty is not what it relies on (it calls node-pty's native fork on a worker thread): ${problems.join("; ")}`);
  }
}

/** Finds node-pty's parts the way its own `lib/unixTerminal.js` does, and checks them. */
export function loadNodePty(): { native: NodePtyNative; nativePath: string } {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve("node-pty/package.json"), "utf8")) as { version: string };
  const own = JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8")) as { dependencies: Record<string, string> };
  const utilsPath = require.resolve("node-pty/lib/utils");
  const utils = require(utilsPath) as { loadNativeModule?: (name: string) => { dir: string; module: unknown } };
  let native: unknown;
  let nativePath = "";
  if (typeof utils.loadNativeModule === "function") {
    const found = utils.loadNativeModule("pty");
    native = found.module;
    nativePath = path.resolve(path.dirname(utilsPath), found.dir, "pty.node");
  }
  checkNodePty({ version: pkg.version, pinned: own.dependencies["node-pty"] ?? "(none)", utils, native, nativePath });
  return { native: native as NodePtyNative, nativePath };
}

export const nodePty = loadNodePty();

export interface ForkRequest {
  /** Program path or name (execvp looks names up in env PATH). */
  file: string;
  args: string[];
  /** `NAME=value` pairs: the program's whole environment. */
  env: string[];
  cwd: string;
  cols: number;
  rows: number;
}

export interface ForkExit {
  exitCode: number;
  /** 0 unless a signal ended the program. */
  signal: number;
}

export interface Forked {
  pid: number;
  /** The PTY master: non-blocking; this thread reads and writes it and closes it. */
  fd: number;
  /** Resolves when the program has ended (it is reaped by then). */
  exited: Promise<ForkExit>;
}

type WorkerMessage =
  | { type: "started"; id: number; pid: number; fd: number }
  | { type: "failed"; id: number; message: string }
  | { type: "exit"; id: number; exitCode: number; signal: number };

interface InFlight {
  started(pid: number, fd: number): void;
  failed(err: Error): void;
  exited(exit: ForkExit): void;
  isStarted: boolean;
}

/**
 * The fork thread, started on first use and kept for the life of the service. It keeps the
 * process alive only while a fork is in flight or a program it started runs (as node-pty's own
 * exit watch does), so it needs no stop of its own.
 */
class ForkThread {
  private worker: Worker | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 1;

  fork(req: ForkRequest): Promise<Forked> {
    const worker = this.start();
    const id = this.nextId++;
    let onExit: (e: ForkExit) => void = () => {};
    const exited = new Promise<ForkExit>((resolve) => (onExit = resolve));
    return new Promise<Forked>((resolve, reject) => {
      this.inFlight.set(id, { started: (pid, fd) => resolve({ pid, fd, exited }), failed: reject, exited: onExit, isStarted: false });
      if (this.inFlight.size === 1) worker.ref();
      worker.postMessage({ id, ...req });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("../worker/pty-fork.mjs", import.meta.url), {
      workerData: { nodePtyNative: nodePty.nativePath, fdAddon: FD_ADDON_PATH },
      // Plain JavaScript: none of the service's loader flags (tsx) are needed there.
      execArgv: [],
      // Its output is node-pty's on a failed exec in a child (which has its own stdio): none here.
      stdout: false,
      stderr: false,
    });
    worker.unref();
    worker.on("message", (msg: WorkerMessage) => this.onMessage(msg));
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      // Forks not answered fail; programs already running can no longer report their exit.
      for (const [id, f] of this.inFlight) {
        if (!f.isStarted) {
          f.failed(new Error(`the fork thread stopped: ${err.message}`));
          this.inFlight.delete(id);
        }
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private onMessage(msg: WorkerMessage): void {
    const f = this.inFlight.get(msg.id);
    if (!f) return;
    if (msg.type === "started") {
      f.isStarted = true;
      f.started(msg.pid, msg.fd);
      return;
    }
    this.inFlight.delete(msg.id);
    if (this.inFlight.size === 0) this.worker?.unref();
    if (msg.type === "failed") f.failed(new Error(msg.message));
    else f.exited({ exitCode: msg.exitCode, signal: msg.signal });
  }
}

const thread = new ForkThread();

/** Starts a program in a new terminal on the fork thread. Rejects with node-pty's error if it could not. */
export function forkPty(req: ForkRequest): Promise<Forked> {
  return thread.fork(req);
}
