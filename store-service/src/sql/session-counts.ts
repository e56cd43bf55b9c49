/**
 * Sessions by state, for the `ptykeep_store_sessions` gauge (read at each metrics scrape).
 * Answered from sessions_state_idx (an index-only scan), so a scrape stays cheap next to the
 * writes; every state appears, with 0 when no session is in it.
 */
import { SESSION_STATES } from "@ptykeep/proto";
import type { Queryable } from "../db/pool.js";

export async function countSessionsByState(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: string }>("SELECT state, count(*) AS n FROM sessions GROUP BY state");
  const counts: Record<string, number> = Object.fromEntries(SESSION_STATES.map((s) => [s, 0]));
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}
