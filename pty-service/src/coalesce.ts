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
