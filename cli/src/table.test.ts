import { describe, expect, it } from "vitest";
import type { StoreApi } from "@ptykeep/proto/client";
import { formatTable, humanAge, humanBytes, sessionJson, sessionRow, stateLabel, truncate } from "./table.js";

const NOW = Date.UTC(2026, 0, 2, 12, 0, 0);

function session(over: Partial<StoreApi.Session__Output> = {}): StoreApi.Session__Output {
  return {
    sessionId: "0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e",
    command: "bash",
    args: ["--norc"],
    cwd: "/tmp",
    ptyNode: "127.0.0.1:50051",
    rows: 24,
    cols: 80,
    labels: {},
    envNames: [],
    state: "SESSION_STATE_RUNNING",
    pid: 42,
    exitSignal: "",
    endReason: "",
    createdAt: { seconds: (NOW - 90_000) / 1000, nanos: 0 },
    startedAt: null,
    endedAt: null,
    durableSeq: 3,
    durableBytes: 1536,
    finalSeq: 0,
    firstKeptSeq: 1,
    lastUnreachable: null,
    unreachableCount: 0,
    ...over,
  };
}

describe("session table", () => {
  it("shows id, state, command, age, history size and node", () => {
    expect(sessionRow(session(), NOW)).toEqual(["0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e", "running", "bash --norc", "1m", "1.5 KiB", "127.0.0.1:50051"]);
  });

  it("shows how a session ended", () => {
    expect(stateLabel(session({ state: "SESSION_STATE_EXITED", exitCode: 3 }))).toBe("exited (3)");
    expect(stateLabel(session({ state: "SESSION_STATE_KILLED", exitSignal: "SIGHUP" }))).toBe("killed (SIGHUP)");
    expect(stateLabel(session({ state: "SESSION_STATE_LOST" }))).toBe("lost");
  });

  it("cuts long commands and hides control characters", () => {
    const row = sessionRow(session({ command: "sh", args: ["-c", `printf '\x1b[31m${"x".repeat(60)}'`] }), NOW);
    expect([...row[2]!].length).toBe(40);
    expect(row[2]!.endsWith("…")).toBe(true);
    expect(row[2]).not.toMatch(/\x1b/);
  });

  it("aligns columns", () => {
    expect(formatTable(["A", "BB"], [["xyz", "1"], ["é", "22"]])).toBe("A    BB\nxyz  1\né    22\n");
  });

  it("formats sizes, ages and truncation for people", () => {
    expect([humanBytes(0), humanBytes(1023), humanBytes(1024), humanBytes(50 * 1024 * 1024)]).toEqual(["0 B", "1023 B", "1.0 KiB", "50 MiB"]);
    expect([humanAge(5_000), humanAge(600_000), humanAge(3 * 3600_000), humanAge(5 * 86400_000)]).toEqual(["5s", "10m", "3h", "5d"]);
    expect(truncate("🙂🙂🙂", 2)).toBe("🙂…");
  });

  it("gives scripts plain JSON with ISO times", () => {
    const json = sessionJson(session({ state: "SESSION_STATE_EXITED", exitCode: 0 }));
    expect(json).toMatchObject({ id: "0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e", state: "exited", exitCode: 0, createdAt: "2026-01-02T11:58:30.000Z", startedAt: null });
  });
});
