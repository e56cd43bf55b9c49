/**
 * A program that writes 10 MB with no newline in a single write() call: the output is split into
 * chunks under the message limit, contiguous, and stored exactly (sha256 of the history equals
 * the bytes written).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { MAX_CHUNK_BYTES } from "@ptykeep/proto";
import { contiguous, readHistory, sha256, spawn, startSystem, waitStoredEnd, type System } from "../e2e/helpers.js";
import { Programs } from "../e2e/programs.js";

const SIZE = 10 * 1024 * 1024;
/** Writing, relaying and committing 10 MB takes a few seconds on a loaded 2-core machine. */
const END_TIMEOUT_MS = 60_000;

// The first writeSync is one write(2) of all 10 MB (a blocking tty takes it whole); the loop only
// guards against a partial write.
const WRITE_ONCE_JS = `
const fs = require("node:fs");
const b = fs.readFileSync(process.argv[2]);
let o = 0;
while (o < b.length) o += fs.writeSync(1, b, o);
`;

let sys: System;
let programs: Programs;

beforeAll(async () => {
  sys = await startSystem("faults_big_write");
  programs = new Programs();
});

afterAll(async () => {
  await sys?.close();
  programs?.remove();
});

describe("a single 10 MB write", () => {
  it("is split under the message limit and stored exactly", async () => {
    // Every byte value except '\\n' (and no newline at all), so the data has no line structure.
    const data = randomBytes(SIZE);
    for (let i = 0; i < data.length; i++) if (data[i] === 0x0a) data[i] = 0x0b;
    const file = programs.file("big.bin", data);
    const script = programs.file("write-once.js", Buffer.from(WRITE_ONCE_JS));
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; exec "$0" "$@"', process.execPath, script, file], cwd: "/tmp" });
    const s = await waitStoredEnd(sys, sessionId, END_TIMEOUT_MS);
    expect(s.exitCode).toBe(0);
    const h = await readHistory(sys, sessionId);
    const stored = contiguous(h.chunks);
    expect(h.chunks.length).toBeGreaterThanOrEqual(Math.ceil(SIZE / MAX_CHUNK_BYTES));
    expect(Math.max(...h.chunks.map((c) => c.data.length))).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    expect(stored.length).toBe(SIZE);
    expect(sha256(stored)).toBe(sha256(data));
  }, END_TIMEOUT_MS + 30_000);
});
