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
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by area, ms, largest first. */
  areas: Array<{ area: string; ms: number; share: number }>;
  /** Most expensive functions by self time. */
  top: Array<{ fn: string; ms: number; share: number }>;
}

/** Areas in the order they are tested: the first match names the area. */
const AREAS: Array<[string, (url: string, fn: string) => boolean]> = [
  ["idle", (_u, f) => f === "(idle)"],
  ["garbage collection", (_u, f) => f === "(garbage collector)"],
  ["native / syscalls (program)", (_u, f) => f === "(program)"],
  ["PTY read (node-pty)", (u) => u.includes("node-pty")],
  ["gRPC + protobuf", (u) => /@grpc\/|protobufjs|proto-loader|@ptykeep\/proto|proto\/src/.test(u)],
  ["PostgreSQL client (pg)", (u) => /node_modules\/(pg|pg-protocol|pg-copy-streams|pg-pool|pg-types|postgres-)/.test(u)],
  ["store: batch writer + SQL", (u) => /store-service\/src\/(batch-writer|sql\/|db\/|append-output)/.test(u)],
  ["store: other", (u) => u.includes("store-service/src")],
  ["pty: session actor, coalescing, store link", (u) => /pty-service\/src\/(session-actor|store-link|flow-control|pty-process|attach)/.test(u)],
  ["pty: other", (u) => u.includes("pty-service/src")],
  ["codec (zstd)", (u) => u.includes("zstd")],
  ["logging (pino)", (u) => u.includes("pino")],
  ["Node streams, sockets, timers", (u) => u.startsWith("node:")],
  ["module loading (tsx, esbuild)", (u) => /tsx|esbuild/.test(u)],
];

export function summariseProfile(file: string, topN = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    const area = AREAS.find(([, test]) => test(url, functionName))?.[0] ?? "other JS";
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
    file: path.basename(file),
    totalMs: total / 1000,
    areas: sorted(areas, total).map(({ k, ms, share }) => ({ area: k, ms, share })),
    top: sorted(fns, busy)
      .filter((f) => f.k !== "(idle)")
      .slice(0, topN)
      .map(({ k, ms, share }) => ({ fn: k, ms, share })),
  };
}

/** The .cpuprofile files in dir, newest last. */
export function profilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()
    .map((f) => path.join(dir, f));
}
