/**
 * A real pty-service in a child process (`node --import tsx pty-service/src/main.ts`), so tests can SIGKILL it
 * (a crash) or SIGSTOP/SIGCONT it (a node that stops answering for a while).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/lib/embedded-postgres.js";

/** A free loopback port (the pty-service needs a fixed address: it is the session's node). */
export { freePort };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const START_TIMEOUT_MS = 30_000;

export interface PtyChild {
  address: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** SIGTERM (graceful stop: its sessions are killed and recorded) and wait for the exit. */
  stop(): Promise<void>;
}


export interface PtyChildOptions {
  /** Adds to or overrides the pty-service's settings. */
  env?: Record<string, string>;
  /** Lowers its limit of open files (RLIMIT_NOFILE). */
  fdLimit?: number;
  /** Listen on this port (a pty-service restarted at the same address); a free one by default. */
  port?: number;
}

export async function startPtyChild(storeAddr: string, opts: PtyChildOptions = {}): Promise<PtyChild> {
  const port = opts.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  // Node itself with tsx as a loader (not the tsx CLI, which runs the script in a grandchild):
  // signals sent to `child` reach the pty-service.
  const argv = ["--import", "tsx", path.join(ROOT, "pty-service/src/main.ts")];
  // prlimit(1) sets the limit and execs node, so `child` is still the pty-service itself. Soft
  // and hard both: node raises its soft limit to the hard one at start.
  const [file, args] = opts.fdLimit ? ["prlimit", [`--nofile=${opts.fdLimit}`, "--", process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(file, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", PTY_LISTEN: address, STORE_ADDR: storeAddr, PTY_DEFAULT_CWD: "/tmp", PTY_SHUTDOWN_GRACE_MS: "2000", ...opts.env },
    // fd 3: an open fd the pty-service inherits and never uses, as a service manager may leave
    // one; no program it starts may get it (test/faults/pty-sigkill.test.ts).
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pty-service did not start within ${START_TIMEOUT_MS} ms: ${output.slice(-2000)}`)), START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      output += d.toString("utf8");
      if (output.includes("pty-service listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`pty-service exited during start-up: ${output.slice(-2000)}`));
    });
  });
  // Keep draining its output so a full pipe never blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    address,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
