/**
 * How fast can the store write output chunks? Measures each way of inserting the same rows
 * (session_id, seq, byte_offset, ts, ~4.7 KB of data: the average node-pty read), one
 * transaction per batch as the BatchWriter does, against an embedded PostgreSQL started here:
 *
 *   naive          one INSERT … ON CONFLICT DO NOTHING per row
 *   values         multi-row VALUES (100 rows per statement) … ON CONFLICT DO NOTHING
 *   unnest         INSERT … SELECT FROM unnest($1::uuid[], …, $5::bytea[]) … ON CONFLICT DO NOTHING
 *   copy-stage     binary COPY into a temp table, then INSERT … SELECT … ON CONFLICT DO NOTHING
 *   copy-direct    binary COPY straight into output_chunks (valid when the rows are known new:
 *                  the writer knows it under the session row lock, from the session's max_seq)
 *
 * Then, for the method kept, realistic terminal output vs incompressible data with the column's
 * default storage (EXTENDED: TOAST compression) and with EXTERNAL (no compression): rate and
 * bytes on disk, which decided migration 0002_output_chunks_external.sql.
 *
 * With --grpc, also the whole ingest path: a store-service started in-process, one AppendOutput
 * stream sending chunks of several sizes, rate counted until the last chunk is acknowledged.
 *
 * Run: npx tsx bench/ingest-methods.ts [--quick] [--grpc]     (bounded: under a minute)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import os from "node:os";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import path from "node:path";
import pg from "pg";
import { callUnary, createLogger, createStoreClient, toTimestamp, uuidv7 } from "@ptykeep/proto";
import { loadStoreConfig, startStoreService } from "../store-service/src/index.js";
import { startEmbeddedPostgres } from "../scripts/lib/embedded-postgres.js";
import { migrate } from "../store-service/src/db/migrate.js";
import { insertChunks, type ChunkInsert } from "../store-service/src/sql/chunks.js";
import { copyChunks, encodeChunks } from "../store-service/src/sql/copy-binary.js";
import { realisticCorpus } from "./corpus.js";

const QUICK = process.argv.includes("--quick");
const GRPC = process.argv.includes("--grpc");
/** Measurement plan, each with its reason. */
const PLAN = Object.freeze({
  /** The average node-pty read measured on these machines (DESIGN.md). */
  ROW_BYTES: 4700,
  /** Rows per transaction: ~470 KB, about half the writer's default flush size. */
  ROWS_PER_BATCH: 100,
  /** Each run lasts until it has written this much or this long has passed, whichever first. */
  MAX_BYTES: (QUICK ? 8 : 24) * 1024 * 1024,
  MAX_MS: QUICK ? 1_000 : 2_000,
  /**
   * The machine is shared and noisy: methods run in turn, several rounds, and the median counts.
   */
  ROUNDS: QUICK ? 1 : 5,
  /** --grpc: bytes sent per chunk size through the store. */
  GRPC_BYTES: (QUICK ? 16 : 48) * 1024 * 1024,
  GRPC_CHUNK_SIZES: [4700, 16 * 1024, 64 * 1024],
  /** A short warm-up so the first method does not pay for cold caches alone. */
  WARMUP_BATCHES: 5,
});

type Writer = (client: pg.Client, rows: ChunkInsert[]) => Promise<void>;

const methods: Record<string, Writer> = {
  naive: async (client, rows) => {
    for (const r of rows) {
      await client.query(
        `INSERT INTO output_chunks (session_id, seq, byte_offset, ts, data)
         VALUES ($1, $2, $3, 'epoch'::timestamptz + $4::bigint * interval '1 microsecond', $5) ON CONFLICT DO NOTHING`,
        [r.sessionId, r.seq, r.offset, r.tsMicros, r.data],
      );
    }
  },
  values: (client, rows) => insertChunks(client, rows),
  unnest: async (client, rows) => {
    await client.query(
      `INSERT INTO output_chunks (session_id, seq, byte_offset, ts, data)
       SELECT s, q, o, 'epoch'::timestamptz + t * interval '1 microsecond', d
       FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bytea[]) AS u(s, q, o, t, d)
       ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.sessionId), rows.map((r) => r.seq), rows.map((r) => r.offset), rows.map((r) => r.tsMicros), rows.map((r) => r.data)],
    );
  },
  "copy-stage": async (client, rows) => {
    await client.query("CREATE TEMP TABLE IF NOT EXISTS output_chunks_stage (LIKE output_chunks) ON COMMIT DELETE ROWS");
    await copyIntoStage(client, rows);
    await client.query("INSERT INTO output_chunks SELECT * FROM output_chunks_stage ON CONFLICT DO NOTHING");
  },
  "copy-direct": (client, rows) => copyChunks(client, rows),
};

/** Binary COPY into the stage table: same encoder, other target. */
async function copyIntoStage(client: pg.Client, rows: ChunkInsert[]): Promise<void> {
  await pipeline(Readable.from(encodeChunks(rows)), client.query(copyFrom("COPY output_chunks_stage (session_id, seq, byte_offset, ts, data) FROM STDIN (FORMAT binary)")));
}

interface Result {
  method: string;
  data: string;
  mb: number;
  seconds: number;
  mbPerS: number;
  diskMb?: number;
}

/** Rows for one batch: consecutive seqs of one session, data cut from a pre-made pool of bytes. */
function makeBatchSource(dataPool: Buffer) {
  const sessionId = uuidv7();
  let seq = 0;
  let offset = 0;
  let cursor = 0;
  return (): ChunkInsert[] =>
    Array.from({ length: PLAN.ROWS_PER_BATCH }, () => {
      if (cursor + PLAN.ROW_BYTES > dataPool.length) cursor = 0;
      const data = dataPool.subarray(cursor, cursor + PLAN.ROW_BYTES);
      cursor += PLAN.ROW_BYTES;
      seq++;
      const row = { sessionId, seq, offset, tsMicros: Date.now() * 1000, data };
      offset += data.length;
      return row;
    });
}

async function measure(client: pg.Client, method: string, write: Writer, dataPool: Buffer, dataName: string): Promise<Result> {
  await client.query("TRUNCATE output_chunks");
  await client.query("CHECKPOINT");
  const next = makeBatchSource(dataPool);
  for (let i = 0; i < PLAN.WARMUP_BATCHES; i++) {
    await client.query("BEGIN");
    await write(client, next());
    await client.query("COMMIT");
  }
  await client.query("TRUNCATE output_chunks");
  let bytes = 0;
  const started = performance.now();
  while (bytes < PLAN.MAX_BYTES && performance.now() - started < PLAN.MAX_MS) {
    const rows = next();
    await client.query("BEGIN");
    await write(client, rows);
    await client.query("COMMIT");
    bytes += rows.reduce((n, r) => n + r.data.length, 0);
  }
  const seconds = (performance.now() - started) / 1000;
  const mb = bytes / 1e6;
  const disk = await client.query<{ b: string }>("SELECT pg_total_relation_size('output_chunks') AS b");
  return { method, data: dataName, mb, seconds, mbPerS: mb / seconds, diskMb: Number(disk.rows[0]!.b) / 1e6 };
}

/** One stream, one session per chunk size; MB/s from the first write to the last chunk's ack. */
async function measureThroughStore(databaseUrl: string, dataPool: Buffer): Promise<void> {
  const store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL: databaseUrl, STORE_LISTEN: "127.0.0.1:0" }), log: createLogger("bench", "warn") });
  const client = createStoreClient(store.address);
  console.log(`\n### Through the store: one AppendOutput stream, ${(PLAN.GRPC_BYTES / 1048576).toFixed(0)} MiB per size, client in the same process\n`);
  console.log("| chunk bytes | chunks | MB/s acked |");
  console.log("|---:|---:|---:|");
  try {
    for (const size of PLAN.GRPC_CHUNK_SIZES) {
      const sessionId = uuidv7();
      await callUnary(client, "RegisterSession", { sessionId, command: "bench", ptyNode: "127.0.0.1:1", rows: 24, cols: 80 }, { deadlineMs: 10_000 });
      const n = Math.ceil(PLAN.GRPC_BYTES / size);
      const stream = client.AppendOutput();
      const acked = new Promise<void>((resolve, reject) => {
        stream.on("data", (r: { durableSeq: number; rejection: unknown }) => {
          if (r.rejection) reject(new Error(JSON.stringify(r.rejection)));
          else if (r.durableSeq === n) resolve();
        });
        stream.on("error", reject);
      });
      const started = performance.now();
      let seq = 0;
      await new Promise<void>((resolve) => {
        const writeMore = () => {
          while (seq < n) {
            const at = (seq * size) % (dataPool.length - size);
            const ok = stream.write({ chunk: { sessionId, seq: seq + 1, offset: seq * size, ts: toTimestamp(Date.now()), data: dataPool.subarray(at, at + size) } });
            seq++;
            if (!ok) return void stream.once("drain", writeMore);
          }
          resolve();
        };
        writeMore();
      });
      await acked;
      const seconds = (performance.now() - started) / 1000;
      stream.end();
      console.log(`| ${size} | ${n} | ${((n * size) / 1e6 / seconds).toFixed(1)} |`);
    }
  } finally {
    client.close();
    await store.stop(2_000);
  }
}

function median(runs: Result[]): Result {
  const sorted = [...runs].sort((a, b) => a.mbPerS - b.mbPerS);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-bench-"));
  chmodSync(dir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), persistent: false });
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE ingest_bench");
  await admin.end();
  const url = cluster.adminUrl.replace(/\/postgres$/, "/ingest_bench");
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await migrate(pool, createLogger("bench", "warn"));
  await pool.end();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const random = randomBytes(16 * 1024 * 1024);
    const runs = new Map<string, Result[]>();
    for (let round = 0; round < PLAN.ROUNDS; round++) {
      for (const [name, write] of Object.entries(methods)) {
        const r = await measure(client, name, write, random, "incompressible");
        runs.set(name, [...(runs.get(name) ?? []), r]);
        console.error(`round ${round + 1} ${name}: ${r.mbPerS.toFixed(1)} MB/s`);
      }
    }
    const results = [...runs.values()].map(median);
    const naive = results.find((r) => r.method === "naive")!.mbPerS;
    console.log(`\n### Insert methods: ${PLAN.ROW_BYTES}-byte incompressible rows, ${PLAN.ROWS_PER_BATCH} rows per transaction, schema as migrated\n`);
    console.log(`| method | median MB/s (${PLAN.ROUNDS} runs) | all runs MB/s | × naive |`);
    console.log("|---|---:|---|---:|");
    for (const r of results) {
      const all = runs.get(r.method)!.map((x) => x.mbPerS.toFixed(1)).join(", ");
      console.log(`| ${r.method} | ${r.mbPerS.toFixed(1)} | ${all} | ${(r.mbPerS / naive).toFixed(1)} |`);
    }

    // Storage of `data`: TOAST compression (EXTENDED, the default) or none (EXTERNAL).
    const realistic = realisticCorpus(16 * 1024 * 1024, 7);
    const storage: Result[] = [];
    for (const mode of ["EXTENDED", "EXTERNAL"] as const) {
      await client.query(`ALTER TABLE output_chunks ALTER COLUMN data SET STORAGE ${mode}`);
      for (const [dataName, dataPool] of [["realistic", realistic], ["incompressible", random]] as const) {
        const r = await measure(client, "copy-direct", methods["copy-direct"]!, dataPool, `${dataName}, ${mode}`);
        storage.push(r);
      }
    }
    console.log(`\n### Storage of output_chunks.data (copy-direct)\n`);
    console.log("| data, storage | MB written | MB/s | MB on disk | disk / written |");
    console.log("|---|---:|---:|---:|---:|");
    for (const r of storage) console.log(`| ${r.data} | ${r.mb.toFixed(1)} | ${r.mbPerS.toFixed(1)} | ${r.diskMb!.toFixed(1)} | ${(r.diskMb! / r.mb).toFixed(2)} |`);
    if (GRPC) await measureThroughStore(url, random);
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
