/**
 * OutputLog: one session's output as numbered chunks, and the ones it still holds in memory.
 *
 * Every chunk gets the next seq (from 1, no gap) and the byte offset of its first byte in the
 * session's whole output. The log holds every chunk the store has not acknowledged (the outbox:
 * they may have to be sent again) and, after them, a window of the newest acknowledged ones up
 * to a byte budget (the ring, for fast Attach). An ack releases exactly the chunks it covers:
 * their bytes leave the unacknowledged count and their credit goes back to flow control.
 *
 * Pure bookkeeping (no PTY, no gRPC): the SessionActor calls it from inside its mailbox.
 */
import type { OutputChunk } from "./store-link.js";

/**
 * Per-chunk memory besides its bytes (the object, the Buffer header, the timestamp), counted in
 * flow control so that a stream of one-byte chunks cannot grow memory unbounded either.
 */
export const CHUNK_OVERHEAD_BYTES = 160;

/** Flow-control credit a chunk of this many bytes takes until the store acknowledges it. */
export function chunkCredit(dataBytes: number): number {
  return dataBytes + CHUNK_OVERHEAD_BYTES;
}

/** Dead slots at the front of the deque before it is compacted (and only once they dominate). */
const COMPACT_AFTER_SLOTS = 1024;

export interface OutputLogOptions {
  /** Bytes of acknowledged output kept for Attach (PTY_RING_BYTES). */
  ringBytes: number;
  /** Largest chunk: longer output is cut into several chunks of at most this size. */
  maxChunkBytes: number;
}

export class OutputLog {
  private readonly maxChunkBytes: number;
  private ringBudget: number;
  private seq = 0;
  private offset = 0;
  /** Held chunks (outbox + ring), oldest first, as a deque: chunks[head..] are live. */
  private chunks: OutputChunk[] = [];
  private head = 0;
  private heldBytes = 0;
  private acked = 0;
  /** Unacknowledged output: bytes only, and bytes plus per-chunk overhead (flow credit). */
  private unackedData = 0;
  private unackedCredit = 0;

  constructor(opts: OutputLogOptions) {
    this.maxChunkBytes = opts.maxChunkBytes;
    this.ringBudget = opts.ringBytes;
  }

  /** Seq of the newest chunk (0 before any output). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Byte offset just after the last output byte: all output bytes produced so far. */
  get nextOffset(): number {
    return this.offset;
  }

  /** Highest seq the store has acknowledged. */
  get durableSeq(): number {
    return this.acked;
  }

  /** Bytes not yet acknowledged. */
  get unackedBytes(): number {
    return this.unackedData;
  }

  /** Flow-control credit of the unacknowledged chunks (bytes plus per-chunk overhead). */
  get unackedCreditBytes(): number {
    return this.unackedCredit;
  }

  /** Oldest seq held (lastSeq + 1 when nothing is held): everything before it is durable. */
  get firstHeldSeq(): number {
    const first = this.chunks[this.head];
    return first ? first.seq : this.seq + 1;
  }

  /** The held chunks, oldest first (a copy). */
  held(): OutputChunk[] {
    return this.chunks.slice(this.head);
  }

  chunkAt(seq: number): OutputChunk | undefined {
    const first = this.chunks[this.head];
    if (!first || seq < first.seq || seq > this.seq) return undefined;
    return this.chunks[this.head + (seq - first.seq)];
  }

  /**
   * Appends bytes read at ts (which must not be shared with anything else: the chunks keep
   * views into it) as the next chunks, each at most maxChunkBytes; returns them, oldest first.
   */
  append(data: Buffer, ts: number): OutputChunk[] {
    const added: OutputChunk[] = [];
    for (let at = 0; at < data.length; at += this.maxChunkBytes) {
      const part = data.length <= this.maxChunkBytes ? data : data.subarray(at, Math.min(data.length, at + this.maxChunkBytes));
      const chunk: OutputChunk = { seq: this.seq + 1, offset: this.offset, ts, data: part };
      this.seq = chunk.seq;
      this.offset += part.length;
      this.chunks.push(chunk);
      this.heldBytes += part.length;
      this.unackedData += part.length;
      this.unackedCredit += chunkCredit(part.length);
      added.push(chunk);
    }
    return added;
  }

  /**
   * The store has made every chunk up to seq durable. Returns the flow-control credit released
   * (0 for an ack at or below an earlier one), then lets the ring drop what exceeds its budget.
   */
  ack(seq: number): number {
    if (seq <= this.acked) return 0;
    let released = 0;
    for (let s = this.acked + 1; s <= seq; s++) {
      const chunk = this.chunkAt(s);
      if (!chunk) continue;
      released += chunkCredit(chunk.data.length);
      this.unackedData -= chunk.data.length;
    }
    this.acked = seq;
    this.unackedCredit -= released;
    this.trimRing();
    return released;
  }

  /** The store holds everything for good (the session's end is recorded): keep no ring at all. */
  dropRing(): void {
    this.ringBudget = 0;
    this.trimRing();
  }

  /** Drops the oldest durable chunks beyond the ring budget. Unacknowledged chunks always stay. */
  private trimRing(): void {
    let durableHeld = this.heldBytes - this.unackedData;
    while (this.head < this.chunks.length) {
      const oldest = this.chunks[this.head]!;
      if (oldest.seq > this.acked || durableHeld <= this.ringBudget) break;
      this.chunks[this.head] = undefined as unknown as OutputChunk;
      this.head++;
      this.heldBytes -= oldest.data.length;
      durableHeld -= oldest.data.length;
    }
    // Compact the deque once its dead prefix dominates.
    if (this.head > COMPACT_AFTER_SLOTS && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
