/**
 * How fast can the store read `bytea` values (segments, raw rows) out of PostgreSQL? The replay
 * profile (BENCHMARKS.md, row 6) shows node-postgres spending most of its time turning bytea into
 * hex text and back. This measures, on an embedded PostgreSQL started here, the client CPU per MB
 * of two ways to fetch the same values one at a time:
 *
 *   select-text     SELECT data … (node-postgres default: bytea arrives as hex text)
 *   copy-binary     COPY (SELECT data …) TO STDOUT (FORMAT binary) through pg-copy-streams
 *
 * (node-postgres's `binary: true` results are no way out: tried here, bytea did not come back as
 * a Buffer, and the query took about twice the CPU of the text form.)
 *
 * Run: npx tsx bench/bytea-read.ts          (bounded: about 15 s)
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { startEmbeddedPostgres } from "../scripts/lib/embedded-postgres.js";

const PLAN = Object.freeze({
  /** About one compressed 1 MiB segment of terminal output (ratio ~0.17). */
  VALUE_BYTES: 170 * 1024,
  VALUES: 50,
  ROUNDS: 3,
  /** COPY binary: 19-byte file header, then per row an int16 field count and an int32 length. */
  COPY_HEADER_BYTES: 19,
  COPY_ROW_PREFIX_BYTES: 6,
});

type Reader = (client: pg.Client, id: number) => Promise<Buffer>;

const readers: Record<string, Reader> = {
  "select-text": async (client, id) => (await client.query<{ data: Buffer }>("SELECT data FROM t WHERE id = $1", [id])).rows[0]!.data,
  "copy-binary": async (client, id) => {
    const parts: Buffer[] = [];
    // id is a loop counter of this program, not input: COPY takes no parameters.
    const stream = client.query(copyTo(`COPY (SELECT data FROM t WHERE id = ${Number(id)}) TO STDOUT (FORMAT binary)`));
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (b: Buffer) => parts.push(b));
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
    const all = Buffer.concat(parts);
    const at = PLAN.COPY_HEADER_BYTES + PLAN.COPY_ROW_PREFIX_BYTES;
    return all.subarray(at, at + all.readInt32BE(PLAN.COPY_HEADER_BYTES + 2));
  },
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-bytea-"));
  chmodSync(dir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), persistent: false });
  const client = new pg.Client({ connectionString: cluster.adminUrl });
  await client.connect();
  try {
    await client.query("CREATE TABLE t (id int PRIMARY KEY, data bytea)");
    await client.query("ALTER TABLE t ALTER COLUMN data SET STORAGE EXTERNAL");
    const values = Array.from({ length: PLAN.VALUES }, () => randomBytes(PLAN.VALUE_BYTES));
    for (const [id, data] of values.entries()) await client.query("INSERT INTO t VALUES ($1, $2)", [id, data]);
    console.log(`| way | client CPU ms per MB (${PLAN.ROUNDS} rounds) | wall ms for ${((PLAN.VALUES * PLAN.VALUE_BYTES) / 1e6).toFixed(1)} MB | bytes equal |`);
    console.log("|---|---|---|---|");
    for (const [name, read] of Object.entries(readers)) {
      const cpuPerMb: string[] = [];
      const walls: string[] = [];
      let equal = true;
      for (let round = 0; round < PLAN.ROUNDS; round++) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let bytes = 0;
        for (let id = 0; id < PLAN.VALUES; id++) {
          const data = await read(client, id);
          equal &&= data.equals(values[id]!);
          bytes += data.length;
        }
        const cpu = process.cpuUsage(cpu0);
        cpuPerMb.push(((cpu.user + cpu.system) / 1000 / (bytes / 1e6)).toFixed(1));
        walls.push((performance.now() - t0).toFixed(0));
      }
      console.log(`| ${name} | ${cpuPerMb.join(", ")} | ${walls.join(", ")} | ${equal ? "yes" : "NO"} |`);
    }
  } finally {
    await client.end();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
