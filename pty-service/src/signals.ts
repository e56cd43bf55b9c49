/**
 * Signals: names callers may send, and ending a session's processes so that none survives.
 *
 * A program in a PTY leads its own session (forkpty calls setsid), so its pid is also its process
 * group id and its session id. Killing the process group reaches the program and its job; a
 * descendant that moved to another process group of the same session (a shell's background job)
 * is found by scanning /proc for processes whose session id is the leader's pid. A descendant
 * that called setsid() itself has left the terminal for good, like a daemon, and is not ours.
 */
import { constants } from "node:os";
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { invalidArgument } from "@ptykeep/proto";

const SIGNALS = constants.signals as Record<string, number>;

/** "SIGINT", "INT", "sigint" → { name: "SIGINT", number: 2 }. */
export function parseSignal(value: string): { name: string; number: number } {
  const upper = value.trim().toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const number = SIGNALS[name];
  if (number === undefined || value.trim() === "") {
    throw invalidArgument(`signal ${JSON.stringify(value)} is not a signal name; use e.g. SIGINT, SIGTERM, SIGHUP, SIGWINCH or INT`);
  }
  return { name, number };
}

/** 9 → "SIGKILL"; unknown numbers read as "SIG<n>". */
export function signalName(number: number): string {
  for (const [name, n] of Object.entries(SIGNALS)) if (n === number) return name;
  return `SIG${number}`;
}

/** Sends a signal to a process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: number): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live (not zombie) processes whose session id is `sid`. */
export function processesInSession(sid: number): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readProcStat(entry);
    if (stat === undefined) continue; // exited while we looked
    // Fields after the command name, which may itself contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = rest[0];
    const session = Number(rest[3]);
    if (session === sid && state !== "Z" && state !== "X") found.push(Number(entry));
  }
  return found;
}

const statBuffer = Buffer.alloc(4096);

/**
 * /proc/PID/stat in one read (readFileSync costs ~5x more: it stats and reads in a loop, and a
 * scan reads every process's file).
 */
function readProcStat(pid: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
    const n = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return statBuffer.toString("latin1", 0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function signalSession(sid: number, signal: number): number {
  signalGroup(sid, signal);
  const left = processesInSession(sid);
  for (const pid of left) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  return left.length;
}

export interface TerminateOptions {
  /** The session leader's pid (= its process group and session id). */
  sid: number;
  /** Time each of SIGHUP and SIGTERM gets before the next, harder signal. */
  graceMs: number;
  /** How often to look whether everything has gone while waiting. */
  pollMs?: number;
}

/**
 * SIGHUP (the terminal went away), then SIGTERM, then SIGKILL to the session's process group and
 * to every other process still in its session, each step after graceMs if something is left.
 * Resolves when no process of the session is left (zombies excepted: their parent reaps them).
 */
export async function terminateSession(opts: TerminateOptions): Promise<void> {
  const pollMs = opts.pollMs ?? 20;
  const steps = [constants.signals.SIGHUP, constants.signals.SIGCONT, constants.signals.SIGTERM, constants.signals.SIGKILL];
  for (const sig of steps) {
    if (signalSession(opts.sid, sig) === 0) return;
    // SIGCONT wakes stopped processes so that they can act on the SIGHUP; no wait after it.
    if (sig === constants.signals.SIGCONT) continue;
    const waitMs = sig === constants.signals.SIGKILL ? Math.max(opts.graceMs, 1_000) : opts.graceMs;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await sleep(pollMs);
      if (processesInSession(opts.sid).length === 0) return;
    }
  }
}
