/**
 * A compactor in a process of its own, for the kill tests: compacts everything in DATABASE_URL
 * into SEGMENT_BYTES segments, printing "<step> <firstSeq>" at each step and then pausing
 * STEP_PAUSE_MS, so the parent can SIGKILL it at a chosen step (the "inserted" and "deleted"
 * pauses are inside the segment's open transaction). Prints "done" when nothing is left.
 */
import { createLogger } from "@ptykeep/proto";
import { createPool } from "../../store-service/src/db/pool.js";
import { Compactor } from "../../store-service/src/compactor.js";

const log = createLogger("compact-child", "silent");
const pool = createPool({ databaseUrl: process.env.DATABASE_URL!, max: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, log });
const pauseMs = Number(process.env.STEP_PAUSE_MS ?? "100");
const compactor = new Compactor({
  pool,
  log,
  compactAfterMs: 0,
  retentionBytes: 0,
  retentionMaxAgeMs: 0,
  segmentRawBytes: Number(process.env.SEGMENT_BYTES ?? "32768"),
  onStep: async (step, segment) => {
    process.stdout.write(`${step} ${segment.firstSeq}\n`);
    await new Promise((r) => setTimeout(r, pauseMs));
  },
});
while ((await compactor.runOnce()).segments > 0);
process.stdout.write("done\n");
await pool.end();
