/**
 * A pty-service SIGKILLed with programs running: what happens to them. The kernel hangs up a
 * terminal when the last holder of its master closes it, so a program that takes SIGHUP's
 * default action ends with the pty-service. Programs that ignore SIGHUP or left the terminal
 * with setsid cannot be reached that way at all (nothing outlives the pty-service to kill them);
 * the reaper marks their sessions lost. Every pid the test started is SIGKILLed in afterAll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { callUnary, createPtyClient } from "@ptykeep/proto";
import { startStoreFixture } from "../store/helpers.js";
import { startPtyChild, type PtyChild } from "../history/pty-child.js";

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let pty: PtyChild | undefined;
let dir: string;
/** The kernel delivers the hang-up at once; this only absorbs scheduling on a loaded machine. */
const HANGUP_WAIT_MS = 5_000;
const started: number[] = [];

beforeAll(async () => {
  fx = await startStoreFixture("faults_pty_sigkill");
  dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-faults-"));
});
afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  if (pty && pty.child.exitCode === null && pty.child.signalCode === null) pty.child.kill("SIGKILL");
  await pty?.exited;
  await fx?.close();
  await fx?.dropDb();
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

/** A process's open fds: stdio by number, any other with what it refers to (for the failure message). */
function openFds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .sort((a, b) => Number(a) - Number(b))
    .map((fd) => {
      if (Number(fd) <= 2) return fd;
      try {
        return `${fd} -> ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`;
      } catch {
        return fd;
      }
    });
}

/**
 * The fds of `pid` once it runs `program` and has settled. The shell writes its pid file before
 * its `exec`, and until then may still hold the file's redirection open; after the exec, `sleep`
 * itself opens its locale files (fd 3) for a moment while it starts. An fd the program inherited
 * stays for good, so this waits (bounded) for the listing to be stdio alone and returns the last
 * listing either way.
 */
async function settledFds(pid: number, program: string): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  let argv0 = "";
  let fds: string[] = [];
  while (Date.now() < deadline) {
    argv0 = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[0] ?? "";
    if (argv0 === program) {
      fds = openFds(pid);
      if (fds.length === 3) return fds;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (argv0 !== program) throw new Error(`process ${pid} still runs ${JSON.stringify(argv0)}, not ${program}`);
  return fds;
}

async function pidsFrom(file: string): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8").trim();
      if (text) return text.split(/\s+/).map(Number);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no pid in ${file}`);
}

/** Starts a pty-service, runs each script in a session of its own, and returns the pids each wrote. */
async function startWith(programs: Record<string, string>): Promise<{ child: PtyChild; pids: Record<string, number[]> }> {
  const child = await startPtyChild(fx.store.address);
  pty = child;
  const client = createPtyClient(child.address);
  const pids: Record<string, number[]> = {};
  try {
    for (const [name, script] of Object.entries(programs)) {
      const file = path.join(dir, `${name}-${Date.now()}`);
      await callUnary(client, "Spawn", { command: "/bin/sh", args: ["-c", script, file], rows: 24, cols: 80 }, { deadlineMs: 15_000 });
      pids[name] = await pidsFrom(file);
      started.push(...pids[name]);
    }
  } finally {
    client.close();
  }
  return { child, pids };
}

/** SIGKILLs the pty-service and waits (bounded) for the given pids to end; returns those still alive. */
async function killAndWatch(child: PtyChild, pids: number[]): Promise<number[]> {
  child.child.kill("SIGKILL");
  await child.exited;
  const deadline = Date.now() + HANGUP_WAIT_MS;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 25));
  return pids.filter(alive);
}

const PLAIN = 'echo $$ > "$0"; exec sleep 600';

describe("pty-service SIGKILLed", () => {
  it("takes programs that keep SIGHUP's default action with it (their terminals hang up)", async () => {
    const { child, pids } = await startWith({ plain1: PLAIN, plain2: PLAIN, plain3: PLAIN });
    expect(await killAndWatch(child, [...pids.plain1!, ...pids.plain2!, ...pids.plain3!])).toEqual([]);
  }, 60_000);

  // node-pty opens each PTY master without close-on-exec; PtyProcess marks every fd above
  // stdio close-on-exec before each spawn, fd 3 too, which startPtyChild leaves open. Without that,
  // program N would hold the masters of all N-1 sessions started before it, and one later
  // program that ignores SIGHUP would keep every earlier terminal open after the pty-service
  // died: the well-behaved programs of those sessions would never get their hang-up.
  it("takes well-behaved programs with it even when a later session ignores SIGHUP (no program holds another's terminal)", async () => {
    const { child, pids } = await startWith({ plain1: PLAIN, plain2: PLAIN, ignoresHup: `trap '' HUP; ${PLAIN}` });
    // A program starts with its terminal on 0, 1 and 2, and nothing else of the pty-service's:
    // no other session's master (/dev/ptmx), no fd the service inherited.
    const all = [pids.plain1, pids.plain2, pids.ignoresHup].map((p) => p![0]!);
    const fds = await Promise.all(all.map((pid) => settledFds(pid, "sleep")));
    expect(fds).toEqual([["0", "1", "2"], ["0", "1", "2"], ["0", "1", "2"]]);
    expect(await killAndWatch(child, [...pids.plain1!, ...pids.plain2!])).toEqual([]);
  }, 60_000);
});
