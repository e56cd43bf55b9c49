/**
 * Compactor: turns cold raw output rows into compressed segments, then applies retention.
 *
 * A session is a candidate when its raw output is older than STORE_COMPACT_AFTER_MS, when it has
 * ended, or when its kept history is over the retention cap (retention can only drop segments,
 * so over-cap output is compacted whatever its age); see compactionCandidates for the exact
 * rule, which leaves out sessions with nothing to do yet. Only rows at or below the
 * session's durable watermark are touched: above it the batch writer may still be filling a gap.
 *
 * Per segment (about SEGMENT_RAW_BYTES of raw output, codec.ts): read the rows' sizes, read their
 * data, compress outside any transaction, then one short transaction inserts the segment and
 * deletes exactly the rows it covers (a different delete count rolls back). A reader therefore
 * sees each chunk either as a row or inside a segment, and a process killed anywhere leaves either
 * the whole move or none of it; the next pass carries on from the lowest raw row.
 *
 * A running (or lost) session's last, partial segment waits until it is full, or until all its
 * durable output is cold (the session went quiet); an exited or killed session's is written at once.
 *
 * Several replicas: each session is worked on under a session-level advisory lock taken with
 * pg_try_advisory_lock, so two compactors never pack the same range (the other one skips the
 * session until its next pass), and a killed compactor's lock dies with its connection. The
 * session row itself is never locked here: the batch writer keeps ingesting meanwhile, and its
 * rule "drop any chunk at or below the durable seq" keeps resends from re-inserting what was
 * compacted.
 */
import type pg from "pg";
import type { Logger } from "@ptykeep/proto";
import type { StoreMetrics } from "./metrics.js";
import { carveSegment } from "./carve-segment.js";
import { encodeSegment, SEGMENT_RAW_BYTES, type CodecId } from "./codec.js";
import { withTransaction } from "./db/pool.js";
import { deleteExpiredSessions, trimToCap, type RetentionStats } from "./retention.js";
import { SESSION_LOCK_CLASS, tryLockSession, unlockSession } from "./sql/session-locks.js";
import { getSession } from "./sql/sessions.js";
import {
  compactionCandidates,
  deleteRawChunks,
  insertSegment,
  rawChunkData,
  rawChunkMetas,
  retentionCandidates,
  type CompactionCandidate,
  type RawChunkMeta,
} from "./sql/segments.js";

/** Tuning that is not configuration, each with its reason. */
export const COMPACTOR_TUNING = Object.freeze({
  /**
   * Chunks per segment at most. Output echoed a keystroke at a time arrives in 1-byte chunks;
   * without a bound a 1 MiB segment could hold a million index entries (12 bytes each). This
   * keeps the index of one segment under ~200 KB.
   */
  MAX_CHUNKS_PER_SEGMENT: 16_384,
  /**
   * Row sizes read per query: at least one more than a segment can hold (to see whether it is
   * full); at typical chunk sizes (a few KB) this covers tens of segments in one query.
   */
  META_PAGE_ROWS: 32_768,
  /** Sessions examined per pass; the rest wait for the next pass (oldest cold output first). */
  CANDIDATES_PER_PASS: 200,
  /**
   * Sessions that may fail in one pass before it gives up: a few are logged and skipped, more
   * means PostgreSQL itself is failing, and the pass ends for the next one to retry.
   */
  FAILURES_PER_PASS: 3,
  /** Namespace of the per-session advisory locks (sql/session-locks.ts). */
  SESSION_LOCK_CLASS,
});

/** Points where the compaction of a segment can be interrupted (tests inject faults here). */
export type CompactionStep = "read" | "compressed" | "inserted" | "deleted";

export interface CompactorOptions {
  pool: pg.Pool;
  log: Logger;
  /** Raw rows older than this are cold (STORE_COMPACT_AFTER_MS). */
  compactAfterMs: number;
  /** Per-session cap of kept raw output (STORE_RETENTION_BYTES); 0 disables the cap. */
  retentionBytes: number;
  /** Ended sessions older than this are deleted (STORE_RETENTION_MAX_AGE_MS); 0 disables it. */
  retentionMaxAgeMs: number;
  /** Raw bytes per segment; the measured default suits production, tests use small ones. */
  segmentRawBytes?: number;
  codec?: CodecId;
  now?: () => number;
  /** Prometheus counters of this process, updated after each pass. */
  metrics?: StoreMetrics;
  /** Stores a screen snapshot right after chunk atSeq before retention drops the history up to it. */
  screenBeforeTrim?: (sessionId: string, atSeq: number, signal: AbortSignal) => Promise<void>;
  /** Called at each step of each segment; a throw aborts that segment (fault injection). */
  onStep?: (step: CompactionStep, segment: { sessionId: string; firstSeq: number; lastSeq: number }) => void | Promise<void>;
}

/** Counters since start, for logs and metrics. */
export interface CompactorStats extends RetentionStats {
  passes: number;
  segmentsWritten: number;
  chunksCompacted: number;
  rawBytesCompacted: number;
  storedBytesWritten: number;
  /** Sessions another compactor was working on. */
  sessionsSkippedLocked: number;
  /** Segment transactions rolled back because the rows changed under them. */
  segmentsAbandoned: number;
}

export interface PassResult {
  sessions: number;
  segments: number;
}

export class Compactor {
  readonly stats: CompactorStats = {
    passes: 0,
    segmentsWritten: 0,
    chunksCompacted: 0,
    rawBytesCompacted: 0,
    storedBytesWritten: 0,
    sessionsSkippedLocked: 0,
    segmentsAbandoned: 0,
    sessionsTrimmed: 0,
    segmentsDropped: 0,
    bytesDropped: 0,
    sessionsExpired: 0,
  };
  private readonly segmentRawBytes: number;
  private readonly now: () => number;

  constructor(private readonly opts: CompactorOptions) {
    this.segmentRawBytes = opts.segmentRawBytes ?? SEGMENT_RAW_BYTES;
    this.now = opts.now ?? Date.now;
  }

  /** One pass: compact every candidate session, trim over-cap sessions, delete expired ones. */
  async runOnce(signal: AbortSignal = new AbortController().signal): Promise<PassResult> {
    const { pool } = this.opts;
    const started = process.hrtime.bigint();
    const before = { ...this.stats };
    const capBytes = this.opts.retentionBytes > 0 ? this.opts.retentionBytes : Number.MAX_SAFE_INTEGER;
    const candidates = await compactionCandidates(pool, {
      coldBeforeUs: (this.now() - this.opts.compactAfterMs) * 1000,
      retentionBytes: capBytes,
      segmentRawBytes: this.segmentRawBytes,
      limit: COMPACTOR_TUNING.CANDIDATES_PER_PASS,
    });
    let segments = 0;
    let failures = 0;
    for (const c of candidates) {
      signal.throwIfAborted();
      try {
        const written = await this.withSessionLock(c.session_id, (client) => this.compactSession(client, c, capBytes, signal));
        segments += written ?? 0;
      } catch (err) {
        // One session that cannot be compacted must not stop the others, pass after pass.
        if (signal.aborted || ++failures > COMPACTOR_TUNING.FAILURES_PER_PASS) throw err;
        this.opts.log.warn({ err, sessionId: c.session_id }, "compaction of a session failed; the next pass retries it");
      }
    }
    if (this.opts.retentionBytes > 0) {
      for (const sessionId of await retentionCandidates(pool, { retentionBytes: capBytes, limit: COMPACTOR_TUNING.CANDIDATES_PER_PASS })) {
        signal.throwIfAborted();
        try {
          await this.withSessionLock(sessionId, (client) => trimToCap(client, { sessionId, capBytes, stats: this.stats, log: this.opts.log, screenBeforeTrim: this.opts.screenBeforeTrim, signal }));
        } catch (err) {
          if (signal.aborted || ++failures > COMPACTOR_TUNING.FAILURES_PER_PASS) throw err;
          this.opts.log.warn({ err, sessionId }, "retention of a session failed; the next pass retries it");
        }
      }
    }
    if (this.opts.retentionMaxAgeMs > 0) {
      await deleteExpiredSessions(pool, { endedBeforeMs: this.now() - this.opts.retentionMaxAgeMs, stats: this.stats, log: this.opts.log, signal });
    }
    this.stats.passes++;
    this.opts.metrics?.compacted({
      segments: this.stats.segmentsWritten - before.segmentsWritten,
      rawBytes: this.stats.rawBytesCompacted - before.rawBytesCompacted,
      compressedBytes: this.stats.storedBytesWritten - before.storedBytesWritten,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
    this.opts.metrics?.retained({ sessions: this.stats.sessionsTrimmed - before.sessionsTrimmed, bytes: this.stats.bytesDropped - before.bytesDropped });
    if (segments > 0) this.opts.log.info({ sessions: candidates.length, segments }, "compaction pass");
    return { sessions: candidates.length, segments };
  }

  /**
   * Runs fn on a dedicated connection holding the session's advisory lock; undefined if another
   * compactor holds it. Any failure destroys the connection, which also releases the lock.
   */
  private async withSessionLock<T>(sessionId: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T | undefined> {
    const client = await this.opts.pool.connect();
    let failed: Error | undefined;
    try {
      if (!(await tryLockSession(client, sessionId))) {
        this.stats.sessionsSkippedLocked++;
        return undefined;
      }
      const result = await fn(client);
      // On failure the lock goes with the destroyed connection; on success it is released here,
      // before the connection returns to the pool.
      await unlockSession(client, sessionId);
      return result;
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(failed);
    }
  }

  /** Packs the session's cold durable rows into segments; returns how many were written. */
  private async compactSession(client: pg.PoolClient, candidate: CompactionCandidate, capBytes: number, signal: AbortSignal): Promise<number> {
    const sessionId = candidate.session_id;
    // A fresh look: the watermark and state may have moved since the candidate query.
    const row = await getSession(client, sessionId);
    if (!row) return 0;
    // Numbers even on a pool that returns bigint as strings (a caller's plain pg.Pool).
    const session = { state: row.state, durable_seq: Number(row.durable_seq), durable_bytes: Number(row.durable_bytes), first_kept_offset: Number(row.first_kept_offset) };
    // A lost session is not ended here: the verdict can be revised (reaper.ts), and a session cut
    // off from the reaper may still be writing. Its output is packed once cold, like a quiet one's.
    const ended = session.state === "exited" || session.state === "killed";
    const overCap = session.durable_bytes - session.first_kept_offset > capBytes;
    const coldBeforeUs = (this.now() - this.opts.compactAfterMs) * 1000;
    let from = candidate.first_raw_seq;
    let written = 0;
    // Sizes of the rows ahead, read in pages and carved into segments: one query per segment
    // would read the index entries of the whole rest of the session every time.
    let metas: RawChunkMeta[] = [];
    let exhausted = false;
    for (;;) {
      signal.throwIfAborted();
      // Always one row more than a segment can hold, to know whether it is full.
      if (metas.length <= COMPACTOR_TUNING.MAX_CHUNKS_PER_SEGMENT && !exhausted) {
        const after = metas.length > 0 ? metas[metas.length - 1]!.seq + 1 : from;
        const page = await rawChunkMetas(client, { sessionId, fromSeq: after, toSeq: session.durable_seq, limit: COMPACTOR_TUNING.META_PAGE_ROWS });
        exhausted = page.length < COMPACTOR_TUNING.META_PAGE_ROWS;
        metas = metas.concat(page);
      }
      if (metas.length === 0 || metas[0]!.seq !== from) return written;
      // How many rows go into this segment, and whether it is full.
      const cut = carveSegment(metas, {
        maxRawBytes: this.segmentRawBytes,
        maxChunks: COMPACTOR_TUNING.MAX_CHUNKS_PER_SEGMENT,
        coldBeforeUs,
        ended,
        overCap,
        durableSeq: session.durable_seq,
      });
      if (cut.action === "stop") {
        this.opts.log.error({ sessionId, seq: cut.brokenAtSeq }, "durable raw rows are not contiguous; compaction of this session stops here");
        return written;
      }
      if (cut.action === "wait") return written;
      const extent = metas.slice(0, cut.chunks);
      if (!(await this.writeSegment(client, sessionId, extent, cut.rawBytes, signal))) return written;
      written++;
      from += cut.chunks;
      metas = metas.slice(cut.chunks);
      if (!cut.full) return written;
    }
  }

  /** Reads, compresses and moves one run of rows into a segment; false if abandoned. */
  private async writeSegment(
    client: pg.PoolClient,
    sessionId: string,
    metas: Array<{ seq: number; byte_offset: number; ts_us: number; length: number }>,
    rawBytes: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const firstSeq = metas[0]!.seq;
    const lastSeq = metas[metas.length - 1]!.seq;
    const where = { sessionId, firstSeq, lastSeq };
    const rows = await rawChunkData(client, { sessionId, firstSeq, lastSeq });
    if (rows.length !== metas.length || rows.some((r, i) => r.seq !== metas[i]!.seq || r.data.length !== metas[i]!.length)) {
      // Another writer changed these rows between the two reads (a session deleted meanwhile).
      this.stats.segmentsAbandoned++;
      this.opts.log.warn({ sessionId, firstSeq, lastSeq, rows: rows.length, expected: metas.length }, "rows changed before compaction; segment abandoned");
      return false;
    }
    await this.opts.onStep?.("read", where);
    const raw = Buffer.concat(rows.map((r) => r.data), rawBytes);
    const encoded = await encodeSegment(raw, { signal, ...(this.opts.codec ? { codec: this.opts.codec } : {}) });
    await this.opts.onStep?.("compressed", where);
    const firstTsUs = metas[0]!.ts_us;
    let rollbackFailed: Error | undefined;
    try {
      await withTransaction(
        client,
        async (tx) => {
          const inserted = await insertSegment(tx, {
            sessionId,
            firstSeq,
            lastSeq,
            firstOffset: metas[0]!.byte_offset,
            byteLength: rawBytes,
            codec: encoded.codec,
            data: encoded.data,
            chunkLengths: metas.map((m) => m.length),
            firstTsUs,
            tsDeltasUs: metas.map((m) => m.ts_us - firstTsUs),
          });
          await this.opts.onStep?.("inserted", where);
          const deleted = inserted ? await deleteRawChunks(tx, where) : 0;
          await this.opts.onStep?.("deleted", where);
          // Rolled back: the rows stay raw, as they are now.
          if (!inserted || deleted !== metas.length) throw new SegmentAbandoned(deleted);
        },
        { onRollbackError: (err) => (rollbackFailed = err) },
      );
    } catch (err) {
      if (!(err instanceof SegmentAbandoned)) throw err;
      // A connection whose ROLLBACK failed is not used on: the session fails, and the connection goes.
      if (rollbackFailed) throw rollbackFailed;
      this.stats.segmentsAbandoned++;
      this.opts.log.warn({ sessionId, firstSeq, lastSeq, deleted: err.deleted, expected: metas.length }, "rows changed under compaction; segment abandoned");
      return false;
    }
    this.stats.segmentsWritten++;
    this.stats.chunksCompacted += metas.length;
    this.stats.rawBytesCompacted += rawBytes;
    this.stats.storedBytesWritten += encoded.data.length;
    return true;
  }
}

/** Thrown inside a segment's transaction to roll it back when the rows changed under it. */
class SegmentAbandoned extends Error {
  constructor(readonly deleted: number) {
    super("rows changed under compaction; segment abandoned");
  }
}
