/**
 * Snapshotter: keeps screen snapshots of every session (the screen a returning viewer starts
 * from; see screen.ts for what a snapshot holds and history.ts for how it is served).
 *
 * A pass takes the sessions where a snapshot is due (snapshotCandidates: N bytes of durable output
 * since the newest snapshot, T since it was taken, or the session ended) and, per session, restores
 * an emulator from its newest snapshot (or keeps the one this process left at that snapshot), then
 * feeds it the durable chunks after it in seq order, applying each resize right after the chunk it
 * followed, and stores a snapshot every N bytes, at the end of an ended session's output, and when
 * the newest is older than T. The work per session is therefore linear in its output: each byte
 * is fed once, plus one restore (bounded by the snapshot size) per pass.
 *
 * Chunks are read with history.ts's storedHistorySource, like a replay, so the storage format of
 * output stays transparent here. Only durable output is read, and a missing chunk stops the feed.
 *
 * A snapshot is one INSERT (with the thinning of the previous one) in one transaction: a process
 * killed in the middle leaves the snapshot whole or absent, and the next pass redoes the work.
 * Several replicas: each session is worked on under the compactor's per-session advisory lock
 * (compactor.ts), so one replica at a time snapshots it and never while it is being compacted or
 * trimmed; the others skip it until their next pass.
 *
 * A snapshot that does not decode is skipped in favour of an older one (or a fresh emulator),
 * logged and counted (StoreMetrics.screenUnreadable), never served.
 *
 * Cost. The job runs on the store's event loop, beside ingest, and measured per byte of output
 * its dearest part is not the emulator's parser but serialising the screen (with 1000 lines of
 * scrollback, about twice the parse of the 128 KiB between two snapshots), then restoring and
 * compressing it. Two things keep it from taking ingest's CPU:
 * - A pass stores only the snapshots that thinning would keep: when it feeds more than
 *   everyBytes (catching up after an outage, a burst, or a retention trim), it stores one per
 *   span of keepEveryBytes (the first point due in the span) and the newest, not one every
 *   everyBytes that the next one would delete at once. A job that falls behind thus does less
 *   work per byte, not more.
 * - A duty cycle (cpuShare, STORE_SNAPSHOT_CPU_PERCENT): the time spent reading pages of output,
 *   parsing, serialising, restoring and compressing is measured per unit of work (one page, one
 *   chunk, one snapshot), and the job waits after it so that its busy time stays within that
 *   share of the time it runs. Under
 *   load the screens lag behind the output instead of the output lagging behind the job.
 */
import { setImmediate as yieldTurn, setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { Logger } from "@ptykeep/proto";
import type { StoreMetrics } from "./metrics.js";
import { encodeSegment, type CodecId } from "./codec.js";
import { withTransaction } from "./db/pool.js";
import { HISTORY_TUNING, storedHistorySource, type ChunkSource } from "./history.js";
import { atRest, createEmulator, parseNow, serializeScreen, type Emulator } from "./screen.js";
import { tryLockSession, unlockSession } from "./sql/session-locks.js";
import { getSession } from "./sql/sessions.js";
import { sizeBefore, sizeEventsBetween } from "./sql/size-events.js";
import { decodeSnapshot } from "./screen-start.js";
import { insertSnapshot, latestSnapshot, snapshotCandidates, thinBefore, type SnapshotRow } from "./sql/snapshots.js";

/** Tuning that is not configuration, each with its reason. */
export const SNAPSHOTTER_TUNING = Object.freeze({
  /** Sessions examined per pass; the rest wait for the next pass (those waiting longest first). */
  CANDIDATES_PER_PASS: 100,
  /** Sessions that may fail in one pass before it gives up (as the compactor does). */
  FAILURES_PER_PASS: 3,
  /**
   * A serialised screen larger than this is redone with half the scrollback: it must fit one gRPC
   * message (4 MiB) with room to spare, and a returning viewer should get a screen, not a history.
   */
  MAX_SNAPSHOT_BYTES: 1024 * 1024,
  /** Emulators kept between passes (at the snapshot they last wrote), saving a restore each. */
  CACHED_EMULATORS: 32,
  /**
   * The duty cycle's waits are taken once this much is owed: one timer per few units of work,
   * not one per chunk, and still short next to ingest's flush interval (STORE_FLUSH_MS, 20 ms).
   */
  MIN_PAUSE_MS: 5,
});

export interface SnapshotterOptions {
  pool: pg.Pool;
  log: Logger;
  /** A snapshot every this many bytes of output (STORE_SNAPSHOT_EVERY_BYTES). */
  everyBytes: number;
  /** …or when the newest one is older than this and output followed it (STORE_SNAPSHOT_EVERY_MS). */
  everyMs: number;
  /** Older interval snapshots are thinned to one per this many bytes of output (STORE_SNAPSHOT_KEEP_EVERY_BYTES). */
  keepEveryBytes: number;
  /** Lines of scrollback kept in the emulator and in each snapshot (STORE_SNAPSHOT_SCROLLBACK). */
  scrollback: number;
  /**
   * Share of its running time the job may spend working (0 < share <= 1; 1, the default here:
   * no waits), STORE_SNAPSHOT_CPU_PERCENT / 100.
   */
  cpuShare?: number;
  codec?: CodecId;
  metrics?: StoreMetrics;
  now?: () => number;
  source?: ChunkSource;
  /** Called at each step of storing each snapshot; a throw aborts that snapshot (fault injection). */
  onStep?: (step: SnapshotStep, snapshot: { sessionId: string; atSeq: number }) => void | Promise<void>;
}

export interface SnapshotterStats {
  passes: number;
  snapshotsWritten: number;
  /** Older interval snapshots deleted by the thinning of the ones written. */
  snapshotsThinned: number;
  /** Output bytes fed to emulators. */
  bytesFed: number;
  /** Serialised bytes before and after compression. */
  rawBytesWritten: number;
  storedBytesWritten: number;
  sessionsSkippedLocked: number;
  /** Snapshots that did not decode and were skipped. */
  unreadable: number;
  /** Time spent on measured work (parsing, serialising, restoring, compressing), and waited after it, ms. */
  busyMs: number;
  pausedMs: number;
}

type Reason = "interval" | "end" | "retention";

/** Points where storing a snapshot can be interrupted (tests inject faults here). */
export type SnapshotStep = "serialised" | "inserted" | "committed";

/** An emulator standing right after chunk atSeq. */
interface Screen {
  term: Emulator;
  atSeq: number;
  /** Byte offset after chunk atSeq, and when it was read. */
  offset: number;
  tsUs: number;
  /** Seq, offset and time of the newest stored snapshot. */
  lastSnapshotSeq: number;
  lastSnapshotOffset: number;
  lastSnapshotAtMs: number;
}

export class Snapshotter {
  readonly stats: SnapshotterStats = { passes: 0, snapshotsWritten: 0, snapshotsThinned: 0, bytesFed: 0, rawBytesWritten: 0, storedBytesWritten: 0, sessionsSkippedLocked: 0, unreadable: 0, busyMs: 0, pausedMs: 0 };
  private readonly cache = new Map<string, Screen>();
  private readonly now: () => number;
  private readonly source: ChunkSource;
  private readonly cpuShare: number;
  /** Wait owed by the duty cycle and not yet taken, ms. */
  private owedMs = 0;

  constructor(private readonly opts: SnapshotterOptions) {
    this.now = opts.now ?? Date.now;
    this.source = opts.source ?? storedHistorySource;
    this.cpuShare = opts.cpuShare ?? 1;
    if (!(this.cpuShare > 0 && this.cpuShare <= 1)) throw new RangeError(`cpuShare must be in (0, 1], got ${this.cpuShare}`);
  }

  /**
   * Runs one unit of the job's work (a page read, one chunk parsed, one restore, one snapshot
   * serialised and compressed), measured; then gives the event loop a turn, and waits what the
   * duty cycle owes. The parsing is synchronous (parseNow), so its time is the job's own; reads
   * and compression count with their waits (PostgreSQL, libuv's pool), which errs towards waiting
   * more. Wall-clock time also counts the time the process was not scheduled: on a busy machine
   * the job works less.
   */
  private async work<T>(signal: AbortSignal, fn: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await fn();
    const busy = performance.now() - started;
    this.stats.busyMs += busy;
    this.owedMs += (busy * (1 - this.cpuShare)) / this.cpuShare;
    if (this.owedMs >= SNAPSHOTTER_TUNING.MIN_PAUSE_MS) {
      const waitStarted = performance.now();
      await sleep(this.owedMs, undefined, { signal });
      const waited = performance.now() - waitStarted;
      this.stats.pausedMs += waited;
      // A timer rounds its delay: the difference carries over, so the share holds over time.
      this.owedMs -= waited;
    } else {
      // Ingest's callbacks run between two chunks even with no wait owed.
      await yieldTurn(undefined, { signal });
    }
    return result;
  }

  /** One pass over the sessions where a snapshot is due; returns how many snapshots were written. */
  async runOnce(signal: AbortSignal = new AbortController().signal): Promise<number> {
    const { pool } = this.opts;
    const before = this.stats.snapshotsWritten;
    const candidates = await snapshotCandidates(pool, { everyBytes: this.opts.everyBytes, everyMs: this.opts.everyMs, limit: SNAPSHOTTER_TUNING.CANDIDATES_PER_PASS });
    let failures = 0;
    for (const c of candidates) {
      signal.throwIfAborted();
      try {
        await this.withSessionLock(c.session_id, () => this.advance(c.session_id, signal));
      } catch (err) {
        this.cache.get(c.session_id)?.term.dispose();
        this.cache.delete(c.session_id);
        if (signal.aborted || ++failures > SNAPSHOTTER_TUNING.FAILURES_PER_PASS) throw err;
        this.opts.log.warn({ err, sessionId: c.session_id }, "screen snapshot of a session failed; the next pass retries it");
      }
    }
    this.stats.passes++;
    const written = this.stats.snapshotsWritten - before;
    if (written > 0) this.opts.log.info({ sessions: candidates.length, snapshots: written }, "screen snapshot pass");
    return written;
  }

  /** Releases the cached emulators. */
  close(): void {
    for (const s of this.cache.values()) s.term.dispose();
    this.cache.clear();
  }

  /**
   * Stores a snapshot right after chunk atSeq, kept until retention moves the start of history
   * again. Retention calls it (holding the session's lock) before dropping the chunks up to atSeq.
   */
  async snapshotForRetention(sessionId: string, atSeq: number, signal: AbortSignal): Promise<void> {
    const row = await getSession(this.opts.pool, sessionId);
    if (!row) return;
    const screen = await this.restore(sessionId, atSeq, Number(row.first_kept_seq), { rows: row.initial_rows, cols: row.initial_cols }, signal);
    try {
      const reached = await this.feedRange(sessionId, screen, atSeq, signal, undefined);
      if (reached < atSeq) throw new Error(`history of session ${sessionId} stops at seq ${reached}, before ${atSeq}`);
      // Taken even if a sequence is cut at this boundary: nothing before it will be kept.
      await this.store(sessionId, screen, "retention", signal);
    } finally {
      this.keep(sessionId, screen);
    }
  }

  /** Feeds a session's durable output past its newest snapshot, storing snapshots as they fall due. */
  private async advance(sessionId: string, signal: AbortSignal): Promise<void> {
    const row = await getSession(this.opts.pool, sessionId);
    if (!row) return;
    const durable = Number(row.durable_seq);
    const ended = row.state === "exited" || row.state === "killed" || row.state === "lost";
    const finalSeq = row.final_seq === null ? durable : Number(row.final_seq);
    const durableBytes = Number(row.durable_bytes);
    const { everyBytes, keepEveryBytes } = this.opts;
    const screen = await this.restore(sessionId, durable, Number(row.first_kept_seq), { rows: row.initial_rows, cols: row.initial_cols }, signal);
    try {
      const reached = await this.feedRange(sessionId, screen, durable, signal, async () => {
        if (screen.offset - screen.lastSnapshotOffset < everyBytes) return;
        // Only the snapshots thinning keeps: the first due in a new span of keepEveryBytes, and
        // those within everyBytes of the end of this pass's output (the newest thins the others).
        const newSpan = Math.floor(screen.offset / keepEveryBytes) > Math.floor(screen.lastSnapshotOffset / keepEveryBytes);
        if (!newSpan && durableBytes - screen.offset >= everyBytes) return;
        if (atRest(screen.term)) await this.store(sessionId, screen, "interval", signal);
      });
      if (reached <= screen.lastSnapshotSeq) return;
      if (ended && reached >= finalSeq) await this.store(sessionId, screen, "end", signal);
      else if (this.now() - screen.lastSnapshotAtMs >= this.opts.everyMs && atRest(screen.term)) await this.store(sessionId, screen, "interval", signal);
    } finally {
      this.keep(sessionId, screen);
    }
  }

  /**
   * An emulator right after the newest readable snapshot at or before atOrBefore (and not before
   * the start of kept history), or a fresh one at the start of kept history.
   */
  private async restore(sessionId: string, atOrBefore: number, firstKeptSeq: number, initial: { rows: number; cols: number }, signal: AbortSignal): Promise<Screen> {
    const { pool } = this.opts;
    let bound = atOrBefore;
    for (;;) {
      const snap = await latestSnapshot(pool, { sessionId, atOrBefore: bound, notBefore: firstKeptSeq - 1 });
      if (!snap) break;
      // This process's emulator, if it stands at or after that snapshot (it was fed every chunk
      // since), saves the restore and re-feeding what followed the snapshot.
      const cached = this.cache.get(sessionId);
      this.cache.delete(sessionId);
      if (cached && cached.atSeq >= snap.at_seq && cached.atSeq <= atOrBefore) {
        return { ...cached, lastSnapshotSeq: snap.at_seq, lastSnapshotOffset: snap.byte_offset, lastSnapshotAtMs: snap.created_at_ms };
      }
      cached?.term.dispose();
      const data = await this.decode(sessionId, snap);
      if (data) {
        const term = await this.work(signal, async () => {
          const t = createEmulator({ rows: snap.rows, cols: snap.cols, scrollback: this.opts.scrollback });
          parseNow(t, data);
          return t;
        });
        return { term, atSeq: snap.at_seq, offset: snap.byte_offset, tsUs: snap.chunk_ts_us, lastSnapshotSeq: snap.at_seq, lastSnapshotOffset: snap.byte_offset, lastSnapshotAtMs: snap.created_at_ms };
      }
      bound = snap.at_seq - 1;
    }
    // No snapshot: start where kept history starts, at the size in force there.
    const size = (await sizeBefore(pool, sessionId, firstKeptSeq)) ?? initial;
    const row = await getSession(pool, sessionId);
    const offset = row ? Number(row.first_kept_offset) : 0;
    return {
      term: createEmulator({ rows: size.rows, cols: size.cols, scrollback: this.opts.scrollback }),
      atSeq: firstKeptSeq - 1,
      offset,
      tsUs: 0,
      lastSnapshotSeq: firstKeptSeq - 1,
      lastSnapshotOffset: offset,
      // Never stored: a T-old snapshot is due as soon as there is output.
      lastSnapshotAtMs: 0,
    };
  }

  /** A snapshot's bytes, or undefined (logged and counted) when it does not decode. */
  async decode(sessionId: string, snap: SnapshotRow): Promise<Buffer | undefined> {
    return decodeSnapshot(snap, { sessionId, log: this.opts.log, metrics: this.opts.metrics, onUnreadable: () => this.stats.unreadable++ });
  }

  /**
   * Feeds chunks after screen.atSeq up to toSeq with their resizes; calls `boundary` after each
   * chunk (and its resizes). Returns the last seq fed (stops before a missing chunk).
   */
  private async feedRange(sessionId: string, screen: Screen, toSeq: number, signal: AbortSignal, boundary: (() => Promise<void>) | undefined): Promise<number> {
    const { pool } = this.opts;
    let next = screen.atSeq + 1;
    while (next <= toSeq) {
      signal.throwIfAborted();
      // A page read counts as work, waiting on PostgreSQL included: its CPU there (and the
      // decoding here) is taken from the same cores as ingest's.
      const rows = await this.work(signal, () => this.source.page(pool, { sessionId, fromSeq: next, toSeq, maxRows: HISTORY_TUNING.PAGE_ROWS, maxBytes: HISTORY_TUNING.PAGE_BYTES }));
      if (rows.length === 0 || rows[0]!.seq !== next) break;
      const first = rows[0]!.seq;
      const resizes = await this.work(signal, () => sizeEventsBetween(pool, sessionId, first, rows[rows.length - 1]!.seq));
      let r = 0;
      for (const row of rows) {
        if (row.seq !== next) return next - 1;
        // Parsed at once: the chunk's cost is measured, and the state at the boundary is there to read.
        await this.work(signal, async () => parseNow(screen.term, row.data));
        this.stats.bytesFed += row.data.length;
        screen.atSeq = row.seq;
        screen.offset = row.byte_offset + row.data.length;
        screen.tsUs = row.ts_us;
        next = row.seq + 1;
        while (r < resizes.length && resizes[r]!.at_seq < row.seq) r++;
        if (r < resizes.length && resizes[r]!.at_seq === row.seq) {
          // A resize applies to what was parsed before it (all of it, parsed above).
          for (; r < resizes.length && resizes[r]!.at_seq === row.seq; r++) screen.term.resize(resizes[r]!.cols, resizes[r]!.rows);
        }
        if (boundary) await boundary();
      }
    }
    return next - 1;
  }

  /** Serialises and stores the screen after chunk screen.atSeq (one transaction). */
  private async store(sessionId: string, screen: Screen, reason: Reason, signal: AbortSignal): Promise<void> {
    if (screen.atSeq < 1) return;
    let scrollback = this.opts.scrollback;
    const { raw, encoded } = await this.work(signal, async () => {
      let text = await serializeScreen(screen.term, { scrollback });
      while (Buffer.byteLength(text) > SNAPSHOTTER_TUNING.MAX_SNAPSHOT_BYTES && scrollback > 0) {
        scrollback = Math.floor(scrollback / 2);
        text = await serializeScreen(screen.term, { scrollback });
      }
      const bytes = Buffer.from(text, "utf8");
      return { raw: bytes, encoded: await encodeSegment(bytes, this.opts.codec ? { codec: this.opts.codec } : {}) };
    });
    const where = { sessionId, atSeq: screen.atSeq };
    await this.opts.onStep?.("serialised", where);
    let thinned = 0;
    const client = await this.opts.pool.connect();
    let failed: Error | undefined;
    try {
      const inserted = await withTransaction(client, async (tx) => {
        const added = await insertSnapshot(tx, {
          sessionId,
          atSeq: screen.atSeq,
          byteOffset: screen.offset,
          chunkTsUs: screen.tsUs,
          rows: screen.term.rows,
          cols: screen.term.cols,
          scrollbackLines: scrollback,
          reason,
          codec: encoded.codec,
          rawLength: raw.length,
          data: encoded.data,
        });
        if (added) thinned = await thinBefore(tx, { sessionId, atSeq: screen.atSeq, byteOffset: screen.offset, spanBytes: this.opts.keepEveryBytes });
        // Inside the open transaction: a process that dies here leaves nothing of this snapshot.
        await this.opts.onStep?.("inserted", where);
        return added;
      });
      if (inserted) {
        this.stats.snapshotsWritten++;
        this.stats.snapshotsThinned += thinned;
        this.stats.rawBytesWritten += raw.length;
        this.stats.storedBytesWritten += encoded.data.length;
        this.opts.metrics?.screenSnapshotWritten({ rawBytes: raw.length, storedBytes: encoded.data.length });
      }
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(failed);
    }
    screen.lastSnapshotSeq = screen.atSeq;
    screen.lastSnapshotOffset = screen.offset;
    screen.lastSnapshotAtMs = this.now();
    await this.opts.onStep?.("committed", where);
  }

  /** Keeps the emulator for the next pass (the oldest cached one makes room). */
  private keep(sessionId: string, screen: Screen): void {
    this.cache.get(sessionId)?.term.dispose();
    this.cache.delete(sessionId);
    if (this.cache.size >= SNAPSHOTTER_TUNING.CACHED_EMULATORS) {
      const [oldest, s] = this.cache.entries().next().value as [string, Screen];
      s.term.dispose();
      this.cache.delete(oldest);
    }
    this.cache.set(sessionId, screen);
  }

  /** Runs fn under the session's compaction lock on a dedicated connection; skips a locked session. */
  private async withSessionLock(sessionId: string, fn: () => Promise<void>): Promise<void> {
    const client = await this.opts.pool.connect();
    let failed: Error | undefined;
    try {
      if (!(await tryLockSession(client, sessionId))) {
        this.stats.sessionsSkippedLocked++;
        return;
      }
      await fn();
      await unlockSession(client, sessionId);
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(failed);
    }
  }
}
