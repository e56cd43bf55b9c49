/**
 * A copy of this checkout in a fresh directory of a given mode, and `npm start` run from it, for
 * the tests of the two commands a newcomer runs (test/e2e/npm-start.test.ts,
 * test/e2e/private-clone.test.ts).
 *
 * The copy holds the tracked (and untracked, not ignored) files, and the installed and built
 * trees (node_modules, the pty-service's addon, dist/) as hard links: no second `npm ci`, yet
 * every path is inside the copy, so a private copy keeps other users out of all of it, the
 * PostgreSQL binaries included. (Where hard links are impossible, another file system, they are
 * copied.)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Installed or built, ignored by git, needed to run. */
const INSTALLED = ["node_modules", "pty-service/build", ...["proto", "store-service", "pty-service", "cli", "web"].flatMap((w) => [`${w}/node_modules`, `${w}/dist`])];

export interface RepoCopy {
  /** The directory of the given mode. */
  parent: string;
  /** The copy of the checkout, inside it. */
  root: string;
  remove(): void;
}

export function copyRepo(mode: number): RepoCopy {
  const parent = mkdtempSync(path.join(os.tmpdir(), "ptykeep-clone-"));
  chmodSync(parent, mode);
  const root = path.join(parent, "ptykeep");
  mkdirSync(root);
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, maxBuffer: 64 << 20 })
    .toString()
    .split("\0")
    .filter((f) => f && existsSync(path.join(REPO_ROOT, f)));
  // cp --parents recreates each file's directories under root.
  execFileSync("cp", ["-a", "--parents", "-t", root, "--", ...files], { cwd: REPO_ROOT });
  for (const dir of INSTALLED.filter((d) => existsSync(path.join(REPO_ROOT, d)))) {
    const from = path.join(REPO_ROOT, dir);
    const to = path.join(root, dir);
    mkdirSync(path.dirname(to), { recursive: true });
    try {
      execFileSync("cp", ["-al", from, to], { stdio: "pipe" });
    } catch {
      rmSync(to, { recursive: true, force: true });
      execFileSync("cp", ["-a", from, to]);
    }
  }
  return { parent, root, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

export interface DevRun {
  child: ChildProcess;
  storeAddress: string;
  ptyAddress: string;
  /** Where this run keeps PostgreSQL's data, as it printed. */
  dataDir: string;
  output(): string;
  /** Resolves with the exit code once the process (the whole `npm start`) has ended. */
  exited: Promise<number | null>;
  /** SIGINT to the process group, as a terminal's Ctrl-C. */
  interrupt(): void;
  /** Last resort for a failed test: SIGKILL the group and the PostgreSQL it started. */
  kill(): void;
}

/**
 * `npm start` in `root`, as the leader of a new process group (a terminal's foreground job),
 * services on free loopback ports. Resolves once it prints that Ctrl-C stops everything.
 */
export async function startDev(root: string, timeoutMs = 90_000): Promise<DevRun> {
  const child = spawn("npm", ["start"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PTY_LISTEN: "127.0.0.1:0", STORE_LISTEN: "127.0.0.1:0", LOG_LEVEL: "warn" },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const dataDir = () => /PostgreSQL: (?:reusing the data in|creating a cluster in) (\S+)/.exec(out)?.[1] ?? "";
  const killPostgres = () => {
    const pidFile = path.join(dataDir(), "postmaster.pid");
    if (!dataDir() || !existsSync(pidFile)) return;
    try {
      process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGKILL");
    } catch {
      // already gone
    }
  };
  const run: DevRun = {
    child,
    storeAddress: "",
    ptyAddress: "",
    get dataDir() {
      return dataDir();
    },
    output: () => out,
    exited,
    interrupt: () => process.kill(-child.pid!, "SIGINT"),
    kill: () => {
      killPostgres();
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
  const deadline = Date.now() + timeoutMs;
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  while (!out.includes("Ctrl-C stops everything.")) {
    if (code !== undefined || Date.now() > deadline) {
      run.kill();
      throw new Error(`npm start ${code !== undefined ? `exited with ${code}` : "did not start in time"}; it printed:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  run.storeAddress = /^store-service\s+(\S+)$/m.exec(out)![1]!;
  run.ptyAddress = /^pty-service\s+(\S+)$/m.exec(out)![1]!;
  return run;
}
