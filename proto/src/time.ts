/** Conversions between JavaScript time and google.protobuf.Timestamp. */
import type { Timestamp, Timestamp__Output } from "./generated/google/protobuf/Timestamp.js";

/** A timestamp as read from the wire: seconds may arrive as a string (64-bit field). */
type WireTimestamp = { seconds: number | string; nanos: number };

export function toTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function dateToTimestamp(date: Date | null | undefined): Timestamp | null {
  return date ? toTimestamp(date.getTime()) : null;
}

/** Milliseconds since the epoch, or undefined when the timestamp is not set. */
export function timestampToMs(ts: Timestamp__Output | WireTimestamp | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

/**
 * Integer microseconds since the epoch (PostgreSQL's precision; chunk timestamps have nanosecond
 * fields, so this keeps better than ms), or undefined when the timestamp is not set.
 */
export function timestampToMicros(ts: WireTimestamp): number;
export function timestampToMicros(ts: WireTimestamp | null | undefined): number | undefined;
export function timestampToMicros(ts: WireTimestamp | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1_000_000 + Math.floor(ts.nanos / 1000);
}

/** Integer microseconds since the epoch as a timestamp. */
export function microsToTimestamp(us: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(us / 1_000_000);
  return { seconds, nanos: (us - seconds * 1_000_000) * 1000 };
}
