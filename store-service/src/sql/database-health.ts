/** SQL of the health probe (db-health.ts): one cheap statement that also says whether the database takes writes. */
import type { Queryable } from "../db/pool.js";

/** True when the connected database only takes reads (a standby, or an old primary after a failover). */
export async function databaseIsReadOnly(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ read_only: boolean }>("SELECT current_setting('transaction_read_only') = 'on' AS read_only");
  return rows[0]?.read_only === true;
}
