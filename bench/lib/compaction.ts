/**
 * Compacting a session's history before the rows that measure compacted history (6, 7, 8, 11),
 * with the store's own Compactor run from the suite (every durable row counts as cold). When the
 * store has no compactor yet, or it fails, those rows run against raw rows and say so.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type pg from "pg";
import { createLogger } from "@ptykeep/proto";
import { ROOT } from "./system.js";

export interface CompactionOutcome {
  compacted: boolean;
  /** Why not, when not compacted. */
  note: string;
  segments: number;
  ms: number;
}

/** Passes needed at most to pack a 50 MB history (one pass packs every cold row it finds). */
const MAX_PASSES = 20;
/**
 * A pass skips a session whose lock another job holds (the store's screen snapshot job shares
 * the compactor's per-session lock): while raw rows remain, try again this often, this long.
 */
const BUSY_RETRY_MS = 250;
const BUSY_WAIT_MS = 120_000;

interface CompactorLike {
  runOnce(): Promise<{ sessions: number; segments: number }>;
}
type CompactorCtor = new (opts: { pool: pg.Pool; log: ReturnType<typeof createLogger>; compactAfterMs: number; retentionBytes: number; retentionMaxAgeMs: number }) => CompactorLike;

async function loadCompactor(): Promise<CompactorCtor | string> {
  const file = path.join(ROOT, "store-service/src/compactor.ts");
  if (!existsSync(file)) return "pending compaction: the store has no Compactor yet";
  try {
    const mod = (await import(pathToFileURL(file).href)) as { Compactor?: CompactorCtor };
    return mod.Compactor ?? "pending compaction: store-service/src/compactor.ts exports no Compactor";
  } catch (err) {
    return `pending compaction: the Compactor could not be loaded (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Compacts every durable row of every session (the suite's sessions are all it has). */
export async function compactAll(pool: pg.Pool): Promise<CompactionOutcome> {
  const Ctor = await loadCompactor();
  if (typeof Ctor === "string") return { compacted: false, note: Ctor, segments: 0, ms: 0 };
  const started = performance.now();
  try {
    // Retention off: the rows measure the whole history the suite wrote.
    const compactor = new Ctor({ pool, log: createLogger("bench-compactor", "warn"), compactAfterMs: 0, retentionBytes: 0, retentionMaxAgeMs: 0 });
    let segments = 0;
    for (let pass = 0; pass < MAX_PASSES; ) {
      const r = await compactor.runOnce();
      segments += r.segments;
      if (r.segments > 0) {
        pass++;
        continue;
      }
      const left = Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM output_chunks")).rows[0]!.n);
      if (left === 0 || performance.now() - started > BUSY_WAIT_MS) break;
      await new Promise((r) => setTimeout(r, BUSY_RETRY_MS));
    }
    return { compacted: segments > 0, note: segments > 0 ? "" : "the Compactor wrote no segment", segments, ms: performance.now() - started };
  } catch (err) {
    return { compacted: false, note: `pending compaction: the Compactor failed (${err instanceof Error ? err.message : String(err)})`, segments: 0, ms: performance.now() - started };
  }
}
