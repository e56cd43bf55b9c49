/** Conversions between JavaScript time and google.protobuf.Timestamp. */
import type { Timestamp, Timestamp__Output } from "./generated/google/protobuf/Timestamp.js";

export function toTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function dateToTimestamp(date: Date | null | undefined): Timestamp | null {
  return date ? toTimestamp(date.getTime()) : null;
}

/** Milliseconds since the epoch, or undefined when the timestamp is not set. */
export function timestampToMs(ts: Timestamp__Output | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}
