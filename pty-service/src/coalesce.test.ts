/** Which reads go out at once and which are gathered into a larger chunk. */
import { describe, expect, it } from "vitest";
import { sendAtOnce } from "./coalesce.js";
import { TUNING } from "./config.js";

const SILENCE = TUNING.COALESCE_DELAY_MS;

describe("sendAtOnce", () => {
  it("sends a short read after a silence at once (a keystroke's echo pays no delay)", () => {
    expect(sendAtOnce({ readBytes: 1, pendingBytes: 1, msSinceLastChunk: SILENCE })).toBe(true);
    expect(sendAtOnce({ readBytes: 2000, pendingBytes: 2000, msSinceLastChunk: 1000 })).toBe(true);
  });

  it("gathers a full PTY read even after a silence: more output is already waiting", () => {
    expect(sendAtOnce({ readBytes: TUNING.FULL_READ_BYTES, pendingBytes: TUNING.FULL_READ_BYTES, msSinceLastChunk: 1000 })).toBe(false);
  });

  it("gathers reads that follow the last chunk closely, and reads joining waiting ones", () => {
    expect(sendAtOnce({ readBytes: 10, pendingBytes: 10, msSinceLastChunk: SILENCE - 1 })).toBe(false);
    expect(sendAtOnce({ readBytes: 10, pendingBytes: 500, msSinceLastChunk: 1000 })).toBe(false);
  });

  it("cuts a chunk once COALESCE_BYTES are gathered", () => {
    expect(sendAtOnce({ readBytes: 4095, pendingBytes: TUNING.COALESCE_BYTES, msSinceLastChunk: 0 })).toBe(true);
  });
});
