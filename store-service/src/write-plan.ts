/**
 * What one flush of the batch writer does with one session's chunks: a pure function of the
 * chunks and the session's row as locked at the start of the flush (batch-writer.ts does the I/O;
 * write-plan.test.ts tests this on its own).
 *
 * - No session row: every chunk is refused (NOT_FOUND).
 * - A chunk after the session's final seq (FAILED_PRECONDITION), or more than seqWindow ahead of
 *   the durable watermark (OUT_OF_RANGE), is refused.
 * - A chunk at or below the watermark, or sent twice in the batch, is already stored: dropped,
 *   and its sender acknowledged again.
 * - The chunk right after the watermark must start where the stored output ends (else
 *   INVALID_ARGUMENT); the watermark moves over the contiguous run.
 * - A chunk beyond a gap is stored, and acknowledged with the watermark before the gap; the
 *   watermark moves over it once the gap is filled (needsGapScan: the writer looks for stored
 *   chunks past the new watermark).
 *
 * Each sender hears of the first refused chunk of each kind only, not of every one.
 */
import { Code } from "@ptykeep/proto";
import type { ChunkInsert } from "./sql/chunks.js";
import type { WatermarkUpdate, WriteState } from "./sql/sessions.js";

export interface ChunkRejection {
  code: Code;
  message: string;
  seq: number;
}

/** A chunk and the sender it came from (whatever the caller uses to answer that sender). */
export type SentChunk<L> = ChunkInsert & { link: L };

/** What one flush decided for one session. */
export interface SessionOutcome<L> {
  /** Undefined when the session does not exist (nothing to ack). */
  durableSeq: number | undefined;
  /** Senders of chunks the flush kept or found already stored: they get the ack. */
  ackTo: Set<L>;
  /**
   * Per sender, the first rejected chunk of each kind: a sender learns every reason its chunks were
   * refused without one response per refused chunk (a deleted session may have thousands queued).
   */
  rejections: Map<L, Map<Code, ChunkRejection>>;
}

export interface WritePlan<L> {
  outcome: SessionOutcome<L>;
  /** Chunks to store, in seq order. */
  keep: ChunkInsert[];
  /** The session's new watermarks; undefined when they do not move. */
  watermark: (WatermarkUpdate & { needsGapScan: boolean }) | undefined;
}

/**
 * Decides, for one session's chunks in a flush, what to store, reject and acknowledge. Sorts
 * `chunks` by seq in place.
 */
export function planWrite<L>(sessionId: string, chunks: Array<SentChunk<L>>, state: WriteState | undefined, seqWindow: number): WritePlan<L> {
  const outcome: SessionOutcome<L> = { durableSeq: state?.durable_seq, ackTo: new Set(), rejections: new Map() };
  const reject = (c: SentChunk<L>, code: Code, message: string) => {
    let byCode = outcome.rejections.get(c.link);
    if (!byCode) outcome.rejections.set(c.link, (byCode = new Map()));
    if (!byCode.has(code)) byCode.set(code, { code, message, seq: c.seq });
  };
  if (!state) {
    for (const c of chunks) reject(c, Code.NOT_FOUND, `session ${sessionId} does not exist (never registered, or deleted)`);
    return { outcome, keep: [], watermark: undefined };
  }
  chunks.sort((a, b) => a.seq - b.seq);
  let durableSeq = state.durable_seq;
  let durableBytes = state.durable_bytes;
  let maxSeq = state.max_seq;
  let previousSeq = -1;
  const keep: Array<SentChunk<L>> = [];
  for (const c of chunks) {
    if (state.final_seq !== null && c.seq > state.final_seq) {
      reject(c, Code.FAILED_PRECONDITION, `session ${sessionId} ended with final seq ${state.final_seq}; chunk seq ${c.seq} comes after it`);
      continue;
    }
    if (c.seq > state.durable_seq + seqWindow) {
      reject(c, Code.OUT_OF_RANGE, `chunk seq ${c.seq} of session ${sessionId} is more than ${seqWindow} ahead of the stored history (durable seq ${state.durable_seq})`);
      continue;
    }
    // Already stored (an earlier flush, or a resend of an acknowledged chunk), or sent twice in
    // this batch: dropped, and its sender re-acked with the current watermark.
    if (c.seq <= durableSeq || c.seq === previousSeq) {
      outcome.ackTo.add(c.link);
      continue;
    }
    if (c.seq === durableSeq + 1) {
      if (c.offset !== durableBytes) {
        reject(c, Code.INVALID_ARGUMENT, `chunk seq ${c.seq} of session ${sessionId} has offset ${c.offset}; the output before it ends at byte ${durableBytes}`);
        continue;
      }
      durableSeq = c.seq;
      durableBytes = c.offset + c.data.length;
    }
    // Beyond a gap: stored now, and the watermark moves over it once the gap is filled.
    previousSeq = c.seq;
    maxSeq = Math.max(maxSeq, c.seq);
    keep.push(c);
    outcome.ackTo.add(c.link);
  }
  const changed = durableSeq !== state.durable_seq || maxSeq !== state.max_seq;
  outcome.durableSeq = durableSeq;
  const watermark = changed ? { sessionId, durableSeq, durableBytes, maxSeq, needsGapScan: maxSeq > durableSeq } : undefined;
  return { outcome, keep: keep.map(({ link: _link, ...c }) => c), watermark };
}
