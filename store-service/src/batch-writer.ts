/**
 * BatchWriter: gathers output chunks from every AppendOutput stream of this process and writes
 * them to PostgreSQL in batches, one transaction per flush, acknowledging only after COMMIT.
 *
 * - A flush starts when STORE_FLUSH_BYTES wait, or STORE_FLUSH_MS after the first chunk arrived;
 *   chunks arriving during a flush go into the next one, which starts as soon as it ends.
 * - Writes are idempotent: under the session row lock, chunks at or below the session's durable
 *   watermark are dropped, and the watermark is moved over the contiguous run. The same chunk
 *   sent twice, to this or another replica, is stored once. What to store, refuse and acknowledge
 *   per session is decided by planWrite (write-plan.ts), a pure function of the locked row.
 * - Rows are written the fastest way measured (bench/ingest-methods.ts): binary COPY, for the
 *   chunks above the session's highest stored seq, which the row lock guarantees are new. Chunks
 *   between the watermark and that seq (only after a gap) may be stored already and go through
 *   INSERT … ON CONFLICT DO NOTHING. Should a COPY ever hit a duplicate anyway, the batch is
 *   retried with INSERT … ON CONFLICT for every row.
 * - Back-pressure: above STORE_MAX_PENDING_BYTES waiting (queued + in flight) every source is
 *   paused (grpc-js stops reading; HTTP/2 flow control pushes back to the sender) and resumed
 *   once below it. While PostgreSQL is down the batch is kept and retried with backoff: nothing
 *   is dropped and nothing acknowledged. A batch that fails for another reason is retried one
 *   session at a time, and only a session that still fails alone is refused (INTERNAL).
 *
 * - New output for a session the reaper declared lost proves it alive: the same transaction
 *   makes it running again and closes its unreachable interval (sql/unreachable.ts).
 *
 * Each stream attaches as a ChunkSink and pushes through the WriterLink it gets back.
 */
import type pg from "pg";
import { Code, delay as wait, isDependencyDown, type Logger } from "@ptykeep/proto";
import { withTransaction } from "./db/pool.js";
import { insertChunks, storedChunksAfter, type ChunkInsert } from "./sql/chunks.js";
import { copyChunks } from "./sql/copy-binary.js";
import { lockForWrite, updateWatermarks, type WatermarkUpdate } from "./sql/sessions.js";
import { setRecovered } from "./sql/unreachable.js";
import { planWrite, type ChunkRejection, type SentChunk, type SessionOutcome as PlannedOutcome } from "./write-plan.js";

export type { ChunkRejection } from "./write-plan.js";

/** Tuning that is not configuration, each with its reason. */
export const WRITER_TUNING = Object.freeze({
  /** First retry of a failed flush: soon, since a blip (failover, restart) is the usual cause… */
  RETRY_MIN_MS: 100,
  /** …then doubling up to this, so a long outage costs PostgreSQL little when it comes back. */
  RETRY_MAX_MS: 5_000,
  /** Stored rows examined per query when the watermark jumps over a filled gap. */
  GAP_SCAN_ROWS: 1_000,
  /**
   * A flush failing this many times in a row with an error its chunks may cause (a chunk
   * PostgreSQL refuses as data, a bug of ours on it; see mayBeCausedByChunks) is retried one
   * session at a time, and a session that still fails alone has its chunks refused: one bad
   * session must not block the output of all the others. Any other failure is retried for as long
   * as it lasts: refusing would lose output over a state of the database.
   */
  FAILURES_BEFORE_ISOLATING: 3,
});

/**
 * Whether the chunks of a failed flush may be what made it fail: PostgreSQL's data exception
 * (22), integrity constraint (23), program limit (54) and PL/pgSQL raise (P0: a trigger refusing
 * the row) classes, or an error that does not come from PostgreSQL at all (our own code failing
 * on them). Anything else PostgreSQL reports (a read-only or full database, a revoked privilege,
 * a missing table) is about the database.
 */
function mayBeCausedByChunks(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  const sqlState = err instanceof Error && "severity" in err && typeof code === "string" ? code : undefined;
  return sqlState === undefined || /^(22|23|54|P0)/.test(sqlState);
}

/** SQLSTATE of a duplicate key. */
const UNIQUE_VIOLATION = "23505";

/** What a stream gives the writer: how to pause it and where its acks and rejections go. */
export interface ChunkSink {
  pause(): void;
  resume(): void;
  ack(sessionId: string, durableSeq: number): void;
  reject(sessionId: string, rejection: ChunkRejection): void;
}

export interface WriterLink {
  push(chunk: ChunkInsert): void;
  /** Resolves when every chunk pushed so far has been committed (and acked) or rejected. */
  settled(): Promise<void>;
  /** The stream is gone: no more acks to it; its queued chunks are still written. */
  detach(): void;
}

export interface BatchWriterOptions {
  pool: pg.Pool;
  log: Logger;
  flushBytes: number;
  flushMs: number;
  maxPendingBytes: number;
  seqWindow: number;
  /** Told of every chunk received and every flush (Prometheus metrics; see proto/src/metrics.ts). */
  metrics?: WriterMetrics;
}

export interface WriterMetrics {
  received(bytes: number): void;
  flushed(f: { chunks: number; bytes: number; seconds: number; ok: boolean }): void;
}

type Pending = SentChunk<Link>;

class Link implements WriterLink {
  outstanding = 0;
  attached = true;
  paused = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly writer: BatchWriter,
    readonly sink: ChunkSink,
  ) {}

  push(chunk: ChunkInsert): void {
    this.outstanding++;
    this.writer.enqueue({ ...chunk, link: this });
  }

  settled(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  detach(): void {
    this.attached = false;
    this.writer.forget(this);
  }

  done(count: number): void {
    this.outstanding -= count;
    if (this.outstanding === 0) for (const w of this.waiters.splice(0)) w();
  }
}

/** What one flush decided for one session (write-plan.ts). */
type SessionOutcome = PlannedOutcome<Link>;

export class BatchWriter {
  private readonly links = new Set<Link>();
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The flush loop; `flushing` says whether it runs (cleared in the same step the loop ends). */
  private loop: Promise<void> = Promise.resolve();
  private flushing = false;
  private pausedAll = false;
  private retryAbort = new AbortController();
  /** Set by close(): failed flushes are no longer retried after this time. */
  private giveUpAt: number | undefined;

  constructor(private readonly opts: BatchWriterOptions) {}

  attach(sink: ChunkSink): WriterLink {
    const link = new Link(this, sink);
    this.links.add(link);
    if (this.pausedAll) this.pauseLink(link);
    return link;
  }

  /** Bytes accepted and not yet committed. */
  get waitingBytes(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  /** @internal called by Link. */
  enqueue(chunk: Pending): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.data.length;
    this.opts.metrics?.received(chunk.data.length);
    if (this.pendingBytes >= this.opts.flushBytes) this.startFlushing();
    else this.timer ??= setTimeout(() => this.startFlushing(), this.opts.flushMs);
    this.applyPressure();
  }

  /** @internal called by Link. */
  forget(link: Link): void {
    this.links.delete(link);
  }

  /**
   * Writes everything queued, waiting at most until `deadline` (epoch ms) for PostgreSQL. Chunks
   * it could not write are left unacknowledged: their senders resend them elsewhere.
   */
  async close(deadline: number): Promise<void> {
    this.giveUpAt = deadline;
    if (this.pending.length > 0) this.startFlushing();
    const give = setTimeout(() => this.retryAbort.abort(), Math.max(0, deadline - Date.now()));
    try {
      while (this.flushing) await this.loop;
    } finally {
      clearTimeout(give);
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private startFlushing(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return; // the running loop takes whatever is queued when its flush ends
    this.flushing = true;
    // run() handles flush failures itself; anything else is a bug, logged rather than left to
    // crash the process as an unhandled rejection.
    this.loop = this.run().catch((err: unknown) => this.opts.log.error({ err }, "batch writer loop failed"));
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        this.inFlightBytes = this.pendingBytes;
        this.pendingBytes = 0;
        clearTimeout(this.timer);
        this.timer = undefined;
        const outcome = await this.flushWithRetry(batch);
        this.inFlightBytes = 0;
        this.deliver(batch, outcome);
        this.applyPressure();
      }
    } finally {
      // In the same step as the last look at `pending`: a chunk queued from here on starts a new
      // loop (resume() above may deliver buffered chunks before any promise callback runs).
      this.flushing = false;
    }
  }

  private async flushWithRetry(batch: Pending[]): Promise<Map<string, SessionOutcome> | undefined> {
    let delay: number = WRITER_TUNING.RETRY_MIN_MS;
    let useCopy = true;
    let failures = 0;
    for (;;) {
      const started = performance.now();
      try {
        const outcome = await this.flush(batch, useCopy);
        this.observeFlush(batch, started, true);
        return outcome;
      } catch (err) {
        this.observeFlush(batch, started, false);
        if (useCopy && (err as { code?: unknown }).code === UNIQUE_VIOLATION) {
          this.opts.log.error({ err }, "COPY met a chunk already stored although the session's max seq said otherwise; retrying without COPY");
          useCopy = false;
          continue;
        }
        const down = isDependencyDown(err);
        failures = !down && mayBeCausedByChunks(err) ? failures + 1 : 0;
        if (failures >= WRITER_TUNING.FAILURES_BEFORE_ISOLATING) {
          const groups = groupBySession(batch);
          return groups.size > 1 ? this.flushEachSession(groups) : this.refuse(batch, err);
        }
        this.opts.log[down ? "warn" : "error"]({ err, chunks: batch.length, retryInMs: delay }, "flush failed; keeping the batch and retrying");
        if (this.giveUpAt !== undefined && Date.now() + delay >= this.giveUpAt) {
          this.opts.log.warn({ chunks: batch.length }, "shutting down with an unwritten batch; its senders will resend it");
          return undefined;
        }
        await wait(delay, { signal: this.retryAbort.signal, ref: true });
        if (this.retryAbort.signal.aborted) return undefined;
        delay = Math.min(delay * 2, WRITER_TUNING.RETRY_MAX_MS);
      }
    }
  }

  private observeFlush(batch: Pending[], started: number, ok: boolean): void {
    if (!this.opts.metrics) return;
    const bytes = batch.reduce((n, c) => n + c.data.length, 0);
    this.opts.metrics.flushed({ chunks: batch.length, bytes, seconds: (performance.now() - started) / 1000, ok });
  }

  /** Each session's chunks in a transaction of their own (each with its own retries). */
  private async flushEachSession(groups: Map<string, Pending[]>): Promise<Map<string, SessionOutcome>> {
    const outcomes = new Map<string, SessionOutcome>();
    for (const chunks of groups.values()) {
      const result = await this.flushWithRetry(chunks);
      if (result) for (const [id, o] of result) outcomes.set(id, o);
    }
    return outcomes;
  }

  /** Refuses one session's chunks that cannot be written: their senders learn it, nothing is acked. */
  private refuse(batch: Pending[], err: unknown): Map<string, SessionOutcome> {
    const sessionId = batch[0]!.sessionId;
    this.opts.log.error({ err, sessionId, chunks: batch.length }, "refusing chunks that cannot be written");
    const outcome: SessionOutcome = { durableSeq: undefined, ackTo: new Set(), rejections: new Map() };
    for (const c of [...batch].sort((a, b) => a.seq - b.seq)) {
      if (outcome.rejections.has(c.link)) continue;
      const message = `the store could not write chunks of session ${sessionId} from seq ${c.seq} (${(err as Error).message}); they were not stored`;
      outcome.rejections.set(c.link, new Map([[Code.INTERNAL, { code: Code.INTERNAL, message, seq: c.seq }]]));
    }
    return new Map([[sessionId, outcome]]);
  }

  /** One transaction: lock the sessions, drop what is stored, insert the rest, move watermarks. */
  private async flush(batch: Pending[], useCopy: boolean): Promise<Map<string, SessionOutcome>> {
    const bySession = groupBySession(batch);
    const ids = [...bySession.keys()].sort();
    return withTransaction(this.opts.pool, async (db) => {
      const states = new Map((await lockForWrite(db, ids)).map((s) => [s.session_id, s]));
      const outcomes = new Map<string, SessionOutcome>();
      const fresh: ChunkInsert[] = [];
      const maybeStored: ChunkInsert[] = [];
      const watermarks: Array<WatermarkUpdate & { needsGapScan: boolean }> = [];
      for (const id of ids) {
        const chunks = bySession.get(id)!;
        const state = states.get(id);
        const { outcome, keep, watermark } = planWrite(id, chunks, state, this.opts.seqWindow);
        outcomes.set(id, outcome);
        for (const c of keep) (useCopy && c.seq > state!.max_seq ? fresh : maybeStored).push(c);
        if (watermark) watermarks.push(watermark);
      }
      await copyChunks(db, fresh);
      await insertChunks(db, maybeStored);
      for (const w of watermarks) {
        if (w.needsGapScan) await this.jumpOverStored(db, w);
        outcomes.get(w.sessionId)!.durableSeq = w.durableSeq;
      }
      await updateWatermarks(db, watermarks);
      const revived = await setRecovered(db, watermarks.filter((w) => states.get(w.sessionId)?.state === "lost").map((w) => w.sessionId));
      for (const r of revived) this.opts.log.info({ sessionId: r.session_id, unreachableMs: r.unreachable_ms }, "session running again: its output arrives after it was declared lost");
      return outcomes;
    });
  }

  /**
   * The rare case of a gap that was filled: chunks above it were stored earlier (or in this flush)
   * and the watermark must move over them. Reads their seqs and sizes, not their data.
   */
  private async jumpOverStored(db: pg.PoolClient, w: WatermarkUpdate): Promise<void> {
    for (;;) {
      const rows = await storedChunksAfter(db, w.sessionId, w.durableSeq, WRITER_TUNING.GAP_SCAN_ROWS);
      for (const r of rows) {
        if (r.seq !== w.durableSeq + 1) return;
        if (r.byte_offset !== w.durableBytes) {
          this.opts.log.error({ sessionId: w.sessionId, seq: r.seq, offset: r.byte_offset, expected: w.durableBytes }, "stored chunk does not follow the one before it; the watermark stops here");
          return;
        }
        w.durableSeq = r.seq;
        w.durableBytes = r.byte_offset + r.length;
      }
      if (rows.length < WRITER_TUNING.GAP_SCAN_ROWS) return;
    }
  }

  /** After COMMIT (or after giving up): acks and rejections out, links settled. */
  private deliver(batch: Pending[], outcomes: Map<string, SessionOutcome> | undefined): void {
    if (outcomes) {
      for (const [sessionId, o] of outcomes) {
        for (const [link, byCode] of o.rejections) {
          if (link.attached) for (const rejection of byCode.values()) link.sink.reject(sessionId, rejection);
        }
        if (o.durableSeq === undefined) continue;
        for (const link of o.ackTo) if (link.attached) link.sink.ack(sessionId, o.durableSeq);
      }
    }
    const counts = new Map<Link, number>();
    for (const c of batch) counts.set(c.link, (counts.get(c.link) ?? 0) + 1);
    for (const [link, n] of counts) link.done(n);
  }

  private applyPressure(): void {
    const over = this.waitingBytes > this.opts.maxPendingBytes;
    if (over === this.pausedAll) return;
    this.pausedAll = over;
    if (over) this.opts.log.debug({ waitingBytes: this.waitingBytes }, "too many bytes waiting for a commit; pausing streams");
    for (const link of this.links) {
      if (over) this.pauseLink(link);
      else this.resumeLink(link);
    }
  }

  private pauseLink(link: Link): void {
    if (link.paused) return;
    link.paused = true;
    link.sink.pause();
  }

  private resumeLink(link: Link): void {
    if (!link.paused) return;
    link.paused = false;
    link.sink.resume();
  }
}

function groupBySession(batch: Pending[]): Map<string, Pending[]> {
  const groups = new Map<string, Pending[]>();
  for (const c of batch) {
    const list = groups.get(c.sessionId);
    if (list) list.push(c);
    else groups.set(c.sessionId, [c]);
  }
  return groups;
}
