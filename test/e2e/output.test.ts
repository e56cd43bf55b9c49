/**
 * Output reaches the store byte for byte: every byte value and split UTF-8 in raw mode, the last
 * output of a program that exits right after writing it (many times in a row), exit codes and
 * signals, and resizes at the position where they happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { contiguous, getSession, readHistory, rpc, sha256, spawn, startSystem, waitFor, waitStoredEnd, type System } from "./helpers.js";

let sys: System;
let dir: string;

beforeAll(async () => {
  sys = await startSystem("e2e_output");
  dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-e2e-"));
});

afterAll(async () => {
  await sys?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `cat file` in raw mode (no echo, no \n → \r\n): the terminal passes bytes unchanged. */
function rawCat(file: string) {
  return { command: "/bin/sh", args: ["-c", 'stty raw -echo; cat "$0"', file] };
}

describe("output", () => {
  it("stores several MB with every byte value and split UTF-8 sequences exactly", async () => {
    const parts: Buffer[] = [];
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const utf8 = Buffer.from("é€😀ü中文", "utf8");
    for (let i = 0; i < 2000; i++) {
      parts.push(everyByte, utf8, randomBytes(1500 + (i % 700)));
      // Cut a multi-byte character in the middle at varying offsets.
      parts.push(utf8.subarray(0, 1 + (i % (utf8.length - 1))));
    }
    const content = Buffer.concat(parts);
    expect(content.length).toBeGreaterThan(4 * 1024 * 1024);
    const file = path.join(dir, "bytes.bin");
    writeFileSync(file, content);

    const started = Date.now();
    const { sessionId } = await spawn(sys, rawCat(file));
    const session = await waitStoredEnd(sys, sessionId, 60_000);
    const ms = Date.now() - started;
    const history = await readHistory(sys, sessionId);
    const bytes = contiguous(history.chunks);
    expect(bytes.length).toBe(content.length);
    expect(sha256(bytes)).toBe(sha256(content));
    expect(session.exitCode).toBe(0);
    expect(history.end?.reason).toBe("HISTORY_END_REASON_COMPLETE");
    console.log(`byte-exact: ${content.length} bytes stored and verified in ${ms} ms (${(content.length / 1024 / 1024 / (ms / 1000)).toFixed(1)} MB/s end to end)`);
  });

  // 50 runs in the suite; `EXIT_RUNS=500 npx vitest run test/e2e/output.test.ts` for the count.
  const exitRuns = Number(process.env.EXIT_RUNS ?? 50);
  it(`keeps the last 64 KiB of a program that exits right after writing them, ${exitRuns} times in a row`, async () => {
    const content = randomBytes(64 * 1024);
    const file = path.join(dir, "64k.bin");
    writeFileSync(file, content);
    const expected = sha256(content);
    const runs = exitRuns;
    const parallel = 5;
    const failures: string[] = [];
    const started = Date.now();
    for (let i = 0; i < runs; i += parallel) {
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          const { sessionId } = await spawn(sys, rawCat(file));
          await waitStoredEnd(sys, sessionId);
          const history = await readHistory(sys, sessionId);
          const bytes = contiguous(history.chunks);
          if (sha256(bytes) !== expected) failures.push(`${sessionId}: ${bytes.length} bytes`);
        }),
      );
    }
    console.log(`${runs} runs of 64 KiB then exit in ${Date.now() - started} ms; ${failures.length} incomplete`);
    expect(failures).toEqual([]);
  }, Math.max(60_000, exitRuns * 400));

  it("records the exit code, and the signal that ended a program", async () => {
    const coded = await spawn(sys, { command: "/bin/sh", args: ["-c", "exit 3"] });
    const signalled = await spawn(sys, { command: "/bin/sh", args: ["-c", "kill -TERM $$"] });
    const a = await waitStoredEnd(sys, coded.sessionId);
    const b = await waitStoredEnd(sys, signalled.sessionId);
    expect(a.state).toBe("SESSION_STATE_EXITED");
    expect(a.exitCode).toBe(3);
    expect(a.exitSignal).toBe("");
    expect(b.state).toBe("SESSION_STATE_EXITED");
    expect(b.exitCode).toBeUndefined();
    expect(b.exitSignal).toBe("SIGTERM");
  });

  it("records a resize right after the output that preceded it", async () => {
    // Prints A, waits for a line, prints B, waits again, exits.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "stty raw -echo; printf A; read x; printf B; read y"], rows: 24, cols: 80 });
    await waitFor("A stored", async () => (await readHistory(sys, sessionId)).bytes.toString() === "A");
    await rpc(sys.ptyClient, "Resize", { sessionId, rows: 50, cols: 132 });
    await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("\n") });
    await waitFor("B stored", async () => (await readHistory(sys, sessionId)).bytes.toString() === "AB");
    await rpc(sys.ptyClient, "Resize", { sessionId, rows: 30, cols: 100 });
    await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("\n") });
    const session = await waitStoredEnd(sys, sessionId);
    const history = await readHistory(sys, sessionId);
    expect(history.chunks.map((c) => c.data.toString())).toEqual(["A", "B"]);
    expect(history.resizes.map((r) => [r.rows, r.cols, r.atSeq])).toEqual([
      [50, 132, 1],
      [30, 100, 2],
    ]);
    expect([session.rows, session.cols]).toEqual([30, 100]);
    const fromSecond = await readHistory(sys, sessionId, 2);
    expect([fromSecond.start?.rows, fromSecond.start?.cols]).toEqual([50, 132]);
    expect((await getSession(sys, sessionId)).finalSeq).toBe(2);
  });
});
