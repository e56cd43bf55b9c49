/**
 * Row 9: ingest through the store (AppendOutput, batch writer, acked) against a naive writer on
 * the same PostgreSQL that stores each chunk with its own INSERT as it arrives (autocommit: one
 * transaction per chunk, as a writer that acknowledges each chunk must). Both get the same chunks:
 * the average bare node-pty read (4.7 KB) of the realistic corpus.
 */
import { realisticCorpus } from "../corpus.js";
import { appendChunks, registerStoreSession } from "../lib/append.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { mbPerS, median, MiB, rpc } from "../lib/util.js";

const INGEST = Object.freeze({
  /** The average node-pty read on these machines (DESIGN.md): what a writer without coalescing gets. */
  CHUNK_BYTES: 4700,
  /** Bytes through the store per round. */
  STORE_BYTES: { quick: 16 * MiB, full: 48 * MiB },
  /** The naive writer runs this long per round (it is slow; its rate is what counts). */
  NAIVE_MS: { quick: 2_000, full: 4_000 },
  ROUNDS: { quick: 1, full: 3 },
  TARGET: 20,
  SEED: 9,
});

async function naiveRound(sys: BenchSystem, data: Buffer, ms: number): Promise<{ bytes: number; ms: number; chunks: number }> {
  const s = await registerStoreSession(sys.storeClient);
  const client = await sys.db.connect();
  try {
    let bytes = 0;
    let chunks = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      const at = (chunks * INGEST.CHUNK_BYTES) % (data.length - INGEST.CHUNK_BYTES);
      const piece = data.subarray(at, at + INGEST.CHUNK_BYTES);
      await client.query(
        `INSERT INTO output_chunks (session_id, seq, byte_offset, ts, data) VALUES ($1, $2, $3, now(), $4) ON CONFLICT DO NOTHING`,
        [s.sessionId, chunks + 1, bytes, piece],
      );
      bytes += piece.length;
      chunks++;
    }
    return { bytes, ms: performance.now() - started, chunks };
  } finally {
    client.release();
    await rpc(sys.storeClient, "DeleteSession", { sessionId: s.sessionId, force: true });
  }
}

export async function runIngest(sys: BenchSystem, ctx: RunContext): Promise<RowResult> {
  const storeBytes = ctx.quick ? INGEST.STORE_BYTES.quick : INGEST.STORE_BYTES.full;
  const data = realisticCorpus(storeBytes, INGEST.SEED);
  const rounds = ctx.quick ? INGEST.ROUNDS.quick : INGEST.ROUNDS.full;
  const store: number[] = [];
  const naive: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const n = await naiveRound(sys, data, ctx.quick ? INGEST.NAIVE_MS.quick : INGEST.NAIVE_MS.full);
    naive.push(mbPerS(n.bytes, n.ms));
    const s = await registerStoreSession(sys.storeClient);
    const ms = await appendChunks(sys.storeClient, s, data, INGEST.CHUNK_BYTES);
    store.push(mbPerS(data.length, ms));
    await rpc(sys.storeClient, "DeleteSession", { sessionId: s.sessionId, force: true });
    ctx.log(`  row 9 round ${round + 1}: naive ${fmt(naive.at(-1)!, 2)} MB/s (${n.chunks} chunks), store ${fmt(store.at(-1)!)} MB/s`);
  }
  const r = median(store) / median(naive);
  return {
    id: "9",
    title: "ingest through the store vs a naive writer (one INSERT per chunk)",
    measured: `${fmt(median(store))} MB/s acked`,
    baseline: `${fmt(median(naive), 2)} MB/s naive`,
    ratio: ratio(r, 1),
    target: `≥ ${INGEST.TARGET}×`,
    met: r >= INGEST.TARGET,
    notes: [
      `Same ${INGEST.CHUNK_BYTES}-byte chunks of the realistic corpus for both, same PostgreSQL. Store: one AppendOutput stream from the suite, ${storeBytes / MiB} MiB, timed to the last ack. Naive: INSERT … ON CONFLICT DO NOTHING per chunk, autocommit, for ${(ctx.quick ? INGEST.NAIVE_MS.quick : INGEST.NAIVE_MS.full) / 1000} s. ${rounds} round(s), medians. (bench/ingest-methods.ts compares the statement shapes inside one transaction.)`,
    ],
    data: { storeMBs: store, naiveMBs: naive, chunkBytes: INGEST.CHUNK_BYTES },
  };
}
