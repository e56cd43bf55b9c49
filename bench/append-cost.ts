/**
 * Append cost vs history size, and what compaction does on the real path.
 *
 *   npx tsx bench/append-cost.ts                  # 1 MiB vs 50 MiB of history, 8 MiB appends, 3 rounds
 *   npx tsx bench/append-cost.ts --small 1 --large 50 --append 8 --rounds 3
 *
 * A throw-away PostgreSQL (the test harness's private server: embedded, or a container), a store-service in this process (its own compactor and
 * reaper off), two sessions fed over AppendOutput with the realistic corpus of bench/corpus.ts in
 * 16 KiB chunks: one with a small history, one with a large one. Then, alternating between them,
 * append the same amount to each and time first write to last ack (medians). Done twice: with the
 * history as raw rows, and after the store's Compactor has packed it into segments (the steady
 * state). The compaction itself is timed, its stored/raw ratio read from output_segments, and a
 * full ReadHistory replay of the large session timed (decompressing as it streams).
 *
 * Programmatic use: `runAppendCost(options)` returns the figures; `appendCostMarkdown(r)` renders them.
 */
import pg from "pg";
import { createLogger, createStoreClient, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { startPrivatePostgres } from "../test/support/postgres.js";
import { loadStoreConfig, startStoreService } from "../store-service/src/index.js";
import { createPool } from "../store-service/src/db/pool.js";
import { Compactor } from "../store-service/src/compactor.js";
import { realisticCorpus } from "./corpus.js";
import { appendChunks, registerStoreSession, type StoreSession } from "./lib/append.js";

const MIB = 1024 * 1024;

export interface AppendCostOptions {
  smallHistoryMiB: number;
  largeHistoryMiB: number;
  appendMiB: number;
  rounds: number;
  /** Chunk size on the wire: pty-service coalesces PTY reads up to about this. */
  chunkBytes: number;
}

export const APPEND_COST_DEFAULTS: AppendCostOptions = Object.freeze({ smallHistoryMiB: 1, largeHistoryMiB: 50, appendMiB: 8, rounds: 3, chunkBytes: 16 * 1024 });

export interface AppendPhase {
  /** Median ms to append appendMiB to each session. */
  smallMs: number;
  largeMs: number;
  /** large / small: 1.0 means history size does not matter. */
  ratio: number;
}

export interface AppendCostResult {
  options: AppendCostOptions;
  raw: AppendPhase;
  compacted: AppendPhase;
  compaction: { rawBytes: number; storedBytes: number; indexBytes: number; segments: number; ms: number; ratio: number; mibPerSecond: number };
  replay: { bytes: number; ms: number; mibPerSecond: number; exact: boolean };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function appendPhase(client: StoreServiceClient, small: StoreSession, large: StoreSession, o: AppendCostOptions, seed: number): Promise<AppendPhase> {
  const smallMs: number[] = [];
  const largeMs: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    // The same bytes to both, in alternating order so drift in machine load hits both alike.
    const data = realisticCorpus(o.appendMiB * MIB, seed + round);
    const order = round % 2 === 0 ? ([small, large] as const) : ([large, small] as const);
    for (const s of order) {
      const ms = await appendChunks(client, s, data, o.chunkBytes);
      (s === small ? smallMs : largeMs).push(ms);
    }
  }
  const a = median(smallMs);
  const b = median(largeMs);
  return { smallMs: a, largeMs: b, ratio: b / a };
}

async function replay(client: StoreServiceClient, sessionId: string, expected: Buffer[]): Promise<{ bytes: number; ms: number; exact: boolean }> {
  const started = performance.now();
  let bytes = 0;
  let piece = 0;
  let at = 0;
  let exact = true;
  await new Promise<void>((resolve, reject) => {
    const stream = client.ReadHistory({ sessionId, fromSeq: 0, toSeq: 0 });
    stream.on("data", (e: StoreApi.ReadHistoryResponse__Output) => {
      if (!e.output) return;
      const d = e.output.data;
      bytes += d.length;
      // Compare against what was appended, without joining it into one buffer.
      let off = 0;
      while (off < d.length && exact) {
        const want = expected[piece];
        if (!want) {
          exact = false;
          break;
        }
        const n = Math.min(d.length - off, want.length - at);
        if (!d.subarray(off, off + n).equals(want.subarray(at, at + n))) exact = false;
        off += n;
        at += n;
        if (at === want.length) {
          piece++;
          at = 0;
        }
      }
    });
    stream.on("error", reject);
    stream.on("end", resolve);
  });
  return { bytes, ms: performance.now() - started, exact: exact && piece === expected.length };
}

export async function runAppendCost(partial: Partial<AppendCostOptions> = {}, say: (line: string) => void = () => {}): Promise<AppendCostResult> {
  const o = { ...APPEND_COST_DEFAULTS, ...partial };
  const cluster = await startPrivatePostgres();
  const log = createLogger("append-cost", "warn");
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE append_cost");
  await admin.end();
  const databaseUrl = cluster.adminUrl.replace(/\/postgres$/, "/append_cost");
  const store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL: databaseUrl, STORE_LISTEN: "127.0.0.1:0", STORE_COMPACTOR: "off", STORE_REAPER: "off" }), log });
  const client = createStoreClient(store.address);
  const pool = createPool({ databaseUrl, max: 4, connectTimeoutMs: 5_000, statementTimeoutMs: 600_000, log });
  try {
    const small = await registerStoreSession(client);
    const large = await registerStoreSession(client);
    const largeData: Buffer[] = [];
    say(`writing ${o.smallHistoryMiB} MiB and ${o.largeHistoryMiB} MiB of history`);
    await appendChunks(client, small, realisticCorpus(o.smallHistoryMiB * MIB, 1), o.chunkBytes);
    for (let i = 0; i < o.largeHistoryMiB; i += 8) {
      const part = realisticCorpus(Math.min(8, o.largeHistoryMiB - i) * MIB, 100 + i);
      largeData.push(part);
      await appendChunks(client, large, part, o.chunkBytes);
    }

    say("appending to raw-row history");
    const raw = await appendPhase(client, small, large, o, 1000);

    say("compacting");
    const compactor = new Compactor({ pool, log, compactAfterMs: 0, retentionBytes: 0, retentionMaxAgeMs: 0 });
    const started = performance.now();
    while ((await compactor.runOnce()).segments > 0);
    const ms = performance.now() - started;
    const { rows } = await pool.query<{ raw: number; stored: number; index: number; n: number }>(
      `SELECT sum(byte_length)::bigint AS raw, sum(octet_length(data))::bigint AS stored,
              sum(pg_column_size(chunk_lengths) + pg_column_size(ts_deltas_us))::bigint AS index, count(*)::bigint AS n
       FROM output_segments`,
    );
    const s = rows[0]!;
    const compaction = { rawBytes: s.raw, storedBytes: s.stored, indexBytes: s.index, segments: s.n, ms, ratio: (s.stored + s.index) / s.raw, mibPerSecond: s.raw / MIB / (ms / 1000) };

    say("appending to compacted history");
    const compacted = await appendPhase(client, small, large, o, 2000);

    say("replaying the large session");
    // What the large session holds now: its history, then the appends of both phases.
    for (const seed of [1000, 2000]) for (let r = 0; r < o.rounds; r++) largeData.push(realisticCorpus(o.appendMiB * MIB, seed + r));
    const rp = await replay(client, large.sessionId, largeData);
    return { options: o, raw, compacted, compaction, replay: { ...rp, mibPerSecond: rp.bytes / MIB / (rp.ms / 1000) } };
  } finally {
    client.close();
    await pool.end();
    await store.stop(2_000);
    await cluster.dispose();
  }
}

export function appendCostMarkdown(r: AppendCostResult): string {
  const o = r.options;
  const f = (x: number, d = 1) => x.toFixed(d);
  const mbps = (ms: number) => f((o.appendMiB * MIB) / 1e6 / (ms / 1000));
  return [
    `Append ${o.appendMiB} MiB (realistic corpus, ${o.chunkBytes / 1024} KiB chunks, acked) to a session with ${o.smallHistoryMiB} MiB vs ${o.largeHistoryMiB} MiB of history; medians of ${o.rounds} rounds.`,
    "",
    `| history stored as | ${o.smallHistoryMiB} MiB history | ${o.largeHistoryMiB} MiB history | large / small |`,
    "|---|---:|---:|---:|",
    `| raw rows | ${f(r.raw.smallMs, 0)} ms (${mbps(r.raw.smallMs)} MB/s) | ${f(r.raw.largeMs, 0)} ms (${mbps(r.raw.largeMs)} MB/s) | ${f(r.raw.ratio, 2)}x |`,
    `| compacted segments | ${f(r.compacted.smallMs, 0)} ms (${mbps(r.compacted.smallMs)} MB/s) | ${f(r.compacted.largeMs, 0)} ms (${mbps(r.compacted.largeMs)} MB/s) | ${f(r.compacted.ratio, 2)}x |`,
    "",
    `Compaction (store Compactor, zstd-3, 1 MiB segments): ${f(r.compaction.rawBytes / MIB)} MiB raw in ${r.compaction.segments} segments, ` +
      `stored ${f(r.compaction.storedBytes / MIB, 2)} MiB + ${f(r.compaction.indexBytes / 1024)} KiB chunk index = ratio ${f(r.compaction.ratio, 3)}; ` +
      `${f(r.compaction.ms / 1000, 2)} s (${f(r.compaction.mibPerSecond)} MiB/s of raw output, reading rows, compressing, writing, deleting).`,
    `Replay of the large session over ReadHistory (segments decompressed as they stream, then raw rows): ${f(r.replay.bytes / MIB)} MiB in ${f(r.replay.ms / 1000, 2)} s ` +
      `(${f(r.replay.mibPerSecond)} MiB/s), bytes ${r.replay.exact ? "exact" : "DIFFERENT"}.`,
  ].join("\n");
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const opts: Partial<AppendCostOptions> = {
    smallHistoryMiB: arg("small", APPEND_COST_DEFAULTS.smallHistoryMiB),
    largeHistoryMiB: arg("large", APPEND_COST_DEFAULTS.largeHistoryMiB),
    appendMiB: arg("append", APPEND_COST_DEFAULTS.appendMiB),
    rounds: arg("rounds", APPEND_COST_DEFAULTS.rounds),
  };
  const result = await runAppendCost(opts, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${appendCostMarkdown(result)}\n`);
}
