/**
 * Where the time of a service process goes: reads the .cpuprofile files `node --cpu-prof` writes
 * and sums self time by area of the output path (PTY read, session actor and coalescing, gRPC and
 * protobuf, batch writer, PostgreSQL client, Node streams and sockets, GC, idle), plus the
 * functions that cost the most.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  /** Monotonic clock, microseconds: the same clock as process.hrtime in any process on the machine. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** The service profiled. */
  file: string;
  /** Sampled time inside the window, ms. */
  totalMs: number;
  /**
   * Time by area, ms, largest first. A sample counts for the innermost frame that belongs to an
   * area of the output path (so a socket write made by grpc-js counts as gRPC); samples with no
   * such frame count by their own frame (Node internals, GC, idle).
   */
  areas: Array<{ area: string; ms: number; share: number }>;
  /** Most expensive functions by self time. */
  top: Array<{ fn: string; ms: number; share: number }>;
}

/** Areas in the order they are tested: the first match names the area. */
const AREAS: Array<[string, (url: string, fn: string) => boolean]> = [
  ["idle", (_u, f) => f === "(idle)"],
  ["garbage collection", (_u, f) => f === "(garbage collector)"],
  ["native, outside JS (program)", (_u, f) => f === "(program)"],
  ["PTY read (node-pty)", (u) => u.includes("node-pty")],
  ["gRPC + protobuf", (u) => /@grpc\/|protobufjs|proto-loader|@ptykeep\/proto|proto\/src/.test(u)],
  ["PostgreSQL client (pg)", (u) => /node_modules\/(pg|pg-protocol|pg-copy-streams|pg-pool|pg-types|postgres-)/.test(u)],
  ["store: batch writer + SQL", (u) => /store-service\/src\/(batch-writer|sql\/|db\/)/.test(u)],
  ["store: service, append-output", (u) => u.includes("store-service/src")],
  ["pty: session actor, coalescing, store link", (u) => /pty-service\/src\/(session-actor|store-link|flow-control|pty-process|attach)/.test(u)],
  ["pty: other", (u) => u.includes("pty-service/src")],
  ["codec (zstd)", (u) => u.includes("zstd")],
  ["logging (pino)", (u) => u.includes("pino")],
  ["module loading (tsx, esbuild)", (u) => /tsx|esbuild|node:internal\/modules/.test(u)],
];
const NODE_INTERNALS = "Node internals (streams, sockets, buffers, timers)";

function areaOf(frame: ProfileNode["callFrame"]): string | undefined {
  return AREAS.find(([, test]) => test(frame.url, frame.functionName))?.[0];
}

/** Summarises one profile; with a window (hrtime microseconds), only the samples inside it. */
export function summariseProfile(name: string, file: string, window?: { fromUs: number; toUs: number }, topN = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const areaCache = new Map<number, string>();
  const attributed = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    let area: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined && !area; cur = parentOf.get(cur)) {
      const a = areaOf(byId.get(cur)!.callFrame);
      if (a && a !== "module loading (tsx, esbuild)") area = a;
      else if (a) area ??= a;
    }
    const result = area ?? NODE_INTERNALS;
    areaCache.set(id, result);
    return result;
  };
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    t += us;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const id = profile.samples[i]!;
    const node = byId.get(id);
    if (!node) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    const area = attributed(id);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = url ? `${url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    total += us;
  }
  const busy = total - (areas.get("idle") ?? 0);
  const sorted = (m: Map<string, number>, denom: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ k, ms: us / 1000, share: denom > 0 ? us / denom : 0 }));
  return {
    file: name,
    totalMs: total / 1000,
    areas: sorted(areas, total).map(({ k, ms, share }) => ({ area: k, ms, share })),
    top: sorted(fns, busy)
      .filter((f) => f.k !== "(idle)")
      .slice(0, topN)
      .map(({ k, ms, share }) => ({ fn: k, ms, share })),
  };
}

/**
 * The main-thread profile of each service under dir (dir/<service>/CPU.<date>.<time>.<pid>.<tid>.<n>.cpuprofile;
 * thread 0 is the main thread, others are workers such as tsx's module loader), as [service, file].
 */
export function mainThreadProfiles(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const service of readdirSync(dir).sort()) {
    const main = readdirSync(path.join(dir, service)).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (main) out.push([service, path.join(dir, service, main)]);
  }
  return out;
}
