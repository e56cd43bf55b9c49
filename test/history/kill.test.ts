/**
 * A compactor process SIGKILLed in the middle of its work (between reading and writing, inside
 * a segment's transaction after the insert, and after the delete before COMMIT): history stays
 * exact, nothing is half-moved, no lock outlives the process, and a re-run finishes the job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { COMPACTOR_TUNING, type CompactionStep } from "../../store-service/src/compactor.js";
import { appendPieces, layout, newSession, outputPieces, outputs, readHistory, startHistoryFixture, type HistoryFixture } from "./helpers.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHILD_TIMEOUT_MS = 45_000;

let fx: HistoryFixture;
beforeAll(async () => {
  fx = await startHistoryFixture("hist_kill");
});
afterAll(async () => {
  await fx?.shutdown();
});

/** Runs the compactor child and SIGKILLs it at the nth occurrence of `step`; resolves with what it printed. */
function compactUntilKilled(killAt: CompactionStep, nth: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test/history/compact-child.ts")], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: fx.dbUrl, SEGMENT_BYTES: "32768", STEP_PAUSE_MS: "50" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: string[] = [];
    let seen = 0;
    let buffered = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`compactor child did not reach ${killAt} #${nth}: ${lines.slice(-5).join(" | ")}`));
    }, CHILD_TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString("utf8");
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        // The child pauses after printing: the kill lands inside that step.
        if (line.startsWith(`${killAt} `) && ++seen === nth) child.kill("SIGKILL");
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(lines);
      else reject(new Error(`compactor child exited (${code}) before the kill: ${lines.slice(-5).join(" | ")}`));
    });
  });
}

describe("compactor killed mid-compaction", () => {
  it("leaves exact history at every kill point, and a re-run completes it", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(150, 21);
    await appendPieces(fx, id, pieces);
    const want = outputs(await readHistory(fx.client, { sessionId: id }));
    const all = pieces.map((_, i) => i + 1);

    let segmentsBefore = 0;
    for (const killAt of ["compressed", "inserted", "deleted"] as const) {
      const lines = await compactUntilKilled(killAt, 2);
      const killedSeq = Number(lines.filter((l) => l.startsWith(`${killAt} `)).pop()!.split(" ")[1]);
      // The server notices the dropped connection, rolls back, and releases the session lock.
      const deadline = Date.now() + 10_000;
      while ((await fx.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid", [COMPACTOR_TUNING.SESSION_LOCK_CLASS])).length > 0) {
        if (Date.now() > deadline) throw new Error("advisory lock still held after the compactor was killed");
        await new Promise((r) => setTimeout(r, 20));
      }
      const l = await layout(fx, id);
      expect(l.seqs).toEqual(all);
      // The killed segment's move did not happen; the one before it did.
      expect(l.segments.some((g) => g.first_seq === killedSeq)).toBe(false);
      expect(l.segments.length).toBeGreaterThan(segmentsBefore);
      segmentsBefore = l.segments.length;
      expect(outputs(await readHistory(fx.client, { sessionId: id }))).toEqual(want);
    }

    await fx.compactor({ segmentRawBytes: 32 * 1024 }).runOnce();
    const l = await layout(fx, id);
    expect(l.rawRows).toBe(0);
    expect(l.seqs).toEqual(all);
    expect(outputs(await readHistory(fx.client, { sessionId: id }))).toEqual(want);
  });
});
