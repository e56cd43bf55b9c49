/**
 * Latency of plain unary calls to the services, run as the benchmark runs them (child processes,
 * embedded PostgreSQL). Row 4's echo latency turned out to be almost all the inbound Write call.
 * This shows whether any unary call costs that much (transport, interceptors) or Write alone
 * does (its path through the actor).
 *
 * Run: npx tsx bench/unary-latency.ts      (bounded: about 30 s)
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PtyApi } from "@ptykeep/proto";
import { programs } from "./lib/programs.js";
import { startBenchSystem } from "./lib/system.js";
import { delay, quantile, rpc } from "./lib/util.js";

const PLAN = Object.freeze({
  CALLS: 300,
  /** The same pause as between keystrokes in row 4, so the processes idle between calls alike. */
  PAUSE_MS: 10,
});

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-unary-"));
  chmodSync(dir, 0o755);
  const sys = await startBenchSystem({ dir, log: () => {} });
  try {
    const { sessionId } = await rpc<PtyApi.SpawnResponse__Output>(sys.ptyClient, "Spawn", { ...programs.idle(), rows: 24, cols: 80 });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["pty ListSessions", () => rpc(sys.ptyClient, "ListSessions", {})],
      ["pty CheckLiveness", () => rpc(sys.ptyClient, "CheckLiveness", { sessionIds: [sessionId] })],
      ["pty Write (1 byte)", () => rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("x") })],
      ["store GetSession", () => rpc(sys.storeClient, "GetSession", { sessionId })],
    ];
    const samples = new Map<string, number[]>(calls.map(([name]) => [name, []]));
    for (let i = 0; i < PLAN.CALLS; i++) {
      for (const [name, fn] of calls) {
        const t0 = performance.now();
        await fn();
        samples.get(name)!.push(performance.now() - t0);
      }
      await delay(PLAN.PAUSE_MS);
    }
    console.log(`| call | p50 ms | p99 ms |  (${PLAN.CALLS} calls each, load average ${os.loadavg()[0]!.toFixed(1)})`);
    console.log("|---|---:|---:|");
    for (const [name, v] of samples) console.log(`| ${name} | ${quantile(v, 0.5).toFixed(2)} | ${quantile(v, 0.99).toFixed(2)} |`);
  } finally {
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
