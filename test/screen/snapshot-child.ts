/**
 * A screen snapshot job in a process of its own, for the kill test: snapshots every session in
 * DATABASE_URL (a snapshot every EVERY_BYTES of output, none thinned), printing
 * "<step> <sessionId> <atSeq>" at each step of storing each snapshot and then pausing
 * STEP_PAUSE_MS, so the parent can SIGKILL it at a chosen step (the "inserted" pause is inside the
 * snapshot's open transaction). Prints "done" when no snapshot is due.
 */
import { createLogger } from "@ptykeep/proto";
import { createPool } from "../../store-service/src/db/pool.js";
import { Snapshotter } from "../../store-service/src/snapshotter.js";

const log = createLogger("snapshot-child", "silent");
const pool = createPool({ databaseUrl: process.env.DATABASE_URL!, max: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, log });
const pauseMs = Number(process.env.STEP_PAUSE_MS ?? "100");
const job = new Snapshotter({
  pool,
  log,
  everyBytes: Number(process.env.EVERY_BYTES ?? "2048"),
  everyMs: 3_600_000,
  keepEveryBytes: 1,
  scrollback: Number(process.env.SCROLLBACK ?? "200"),
  onStep: async (step, snapshot) => {
    process.stdout.write(`${step} ${snapshot.sessionId} ${snapshot.atSeq}\n`);
    await new Promise((r) => setTimeout(r, pauseMs));
  },
});
while ((await job.runOnce()) > 0);
process.stdout.write("done\n");
job.close();
await pool.end();
