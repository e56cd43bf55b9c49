/**
 * Small helpers shared by the benchmark rows: statistics, bounded polling, unary calls by name,
 * and per-process CPU and memory read from /proc (so a row can say which process spent the time).
 */
import { readFileSync, readdirSync } from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import { callUnary, delay as wait } from "@ptykeep/proto";

export const MiB = 1024 * 1024;
/** Deadline for one control call (Spawn, GetSession...) made by the suite. */
export const CALL_DEADLINE_MS = 15_000;
/** Linux reports process CPU time in clock ticks of 1/100 s (CLK_TCK). */
const CLOCK_TICKS_PER_S = 100;

/** A wait that holds the process open: the suite's own pacing is often all there is to wait for. */
export function delay(ms: number): Promise<void> {
  return wait(ms, { ref: true });
}

/** The q-quantile (0..1) of the values, nearest rank; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Polls fn until it returns a value other than undefined, or throws once timeoutMs has passed. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, opts: { timeoutMs: number; intervalMs: number }): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await delay(opts.intervalMs);
  }
}

/** A unary call by method name, with a deadline; the caller names the response type. */
export function rpc<Res>(client: grpc.Client, method: string, req: object, deadlineMs = CALL_DEADLINE_MS): Promise<Res> {
  if (typeof (client as unknown as Record<string, unknown>)[method] !== "function") throw new Error(`no method ${method}`);
  const byName: (c: grpc.Client, m: string, r: object, o: { deadlineMs: number }) => Promise<unknown> = callUnary as never;
  return byName(client, method, req, { deadlineMs }) as Promise<Res>;
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** pids of a process's descendants (children, grandchildren...). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parentOf.set(Number(name), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

/** CPU seconds a process's children used that it has already waited for (they are gone). */
function reapedChildrenCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of a process and all of its descendants (e.g. the postmaster and its backends),
 * including descendants that have ended: a backend that exits between two readings (a pool
 * connection closed, an autovacuum worker) takes its CPU time with it, which made the difference
 * of two readings low or even negative; its parent's count of reaped children keeps it.
 */
export function treeCpuSeconds(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + cpuSeconds(p) + reapedChildrenCpuSeconds(p), 0);
}

export function mbPerS(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}
