/**
 * When output read from a PTY goes to the store at once, and when it waits to be gathered with
 * the reads that follow into one chunk (gRPC, the store and PostgreSQL all cost per chunk).
 * TUNING in config.ts gives the numbers and their reasons.
 */
import { TUNING } from "./config.js";

export interface Gathered {
  /** Bytes of the read that just arrived. */
  readBytes: number;
  /** Bytes waiting to be sent, that read included. */
  pendingBytes: number;
  /** Time since the previous chunk was cut. */
  msSinceLastChunk: number;
}

/** True: cut a chunk now. False: wait (at most COALESCE_DELAY_MS) for more reads. */
export function sendAtOnce(g: Gathered): boolean {
  if (g.pendingBytes >= TUNING.COALESCE_BYTES) return true;
  // A short read after a silence is interactive (an echo, a prompt): no delay. A full read means
  // the kernel holds more already: the start of bulk output, gathered like the rest of it.
  const alone = g.pendingBytes === g.readBytes;
  return alone && g.msSinceLastChunk >= TUNING.COALESCE_DELAY_MS && g.readBytes < TUNING.FULL_READ_BYTES;
}

/**
 * The reads waiting to be cut into the next chunk: when to cut (sendAtOnce), and the cut itself.
 */
export class Gatherer {
  private parts: Buffer[] = [];
  private bytes = 0;
  /** When the first waiting read arrived: the chunk's timestamp. */
  private firstAt = 0;
  /** When the last chunk was cut: reads soon after it are gathered, reads after a silence are not. */
  private lastCutAt = 0;

  /** Bytes waiting. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** Adds a read that arrived at now; true when the chunk should be cut at once. */
  add(data: Buffer, now: number): boolean {
    if (this.bytes === 0) this.firstAt = now;
    this.parts.push(data);
    this.bytes += data.length;
    return sendAtOnce({ readBytes: data.length, pendingBytes: this.bytes, msSinceLastChunk: now - this.lastCutAt });
  }

  /**
   * Takes what is waiting as one buffer of its own holding exactly these bytes (undefined when
   * nothing waits): a read may be a view into a larger allocation, and a small Buffer.concat
   * result a view into Node's shared pool, either of which would stay alive as long as the chunk.
   */
  cut(now: number): { data: Buffer; ts: number } | undefined {
    if (this.bytes === 0) return undefined;
    const data = Buffer.allocUnsafeSlow(this.bytes);
    let filled = 0;
    for (const part of this.parts) filled += part.copy(data, filled);
    this.parts = [];
    this.bytes = 0;
    this.lastCutAt = now;
    return { data, ts: this.firstAt };
  }
}
