/**
 * Session lifecycle and every limit and bad input: the right status code and a message saying
 * what to fix, with the service staying up. Kill leaves no descendant, CheckLiveness and
 * ListSessions report what this node hosts, and only environment names reach the store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, checkHealth, uuidv7, type PtyApi } from "@ptykeep/proto";
import { processesInSession } from "../../pty-service/src/signals.js";
import { attach, codeOf, getSession, readHistory, rpc, spawn, startSystem, waitFor, waitStoredEnd, type System } from "./helpers.js";

let sys: System;

beforeAll(async () => {
  sys = await startSystem("e2e_sessions", {
    ptyEnv: { PTY_MAX_SESSIONS: "4", PTY_MAX_VIEWERS: "2", PTY_MAX_WRITE_BYTES: "1024", PTY_KILL_GRACE_MS: "200", PTY_MAX_PENDING_INPUT_BYTES: String(64 * 1024) },
  });
});

afterAll(async () => {
  await sys?.close();
});

// Whatever a test sent, both services are still up and healthy after it.
afterEach(async () => {
  expect(await checkHealth(sys.pty.address, { deadlineMs: 5_000 })).toBe("SERVING");
  expect(await checkHealth(sys.store.address, { deadlineMs: 5_000 })).toBe("SERVING");
});

const SLEEPER = { command: "sleep", args: ["30"] };

function kill(sessionId: string): Promise<PtyApi.KillResponse__Output> {
  return rpc(sys.ptyClient, "Kill", { sessionId });
}

describe("spawn", () => {
  it("refuses bad requests with INVALID_ARGUMENT or FAILED_PRECONDITION and a message saying what to fix", async () => {
    const cases: Array<[Partial<PtyApi.SpawnRequest>, number, RegExp]> = [
      [{ command: "" }, Code.INVALID_ARGUMENT, /command is required/],
      [{ command: "no-such-program-ptykeep" }, Code.FAILED_PRECONDITION, /not found in PATH/],
      [{ command: "/no/such/program" }, Code.FAILED_PRECONDITION, /does not exist/],
      [{ command: "/etc/passwd" }, Code.FAILED_PRECONDITION, /not executable/],
      [{ command: "/tmp" }, Code.FAILED_PRECONDITION, /is a directory/],
      [{ command: "sh", cwd: "/no/such/dir" }, Code.FAILED_PRECONDITION, /cwd \/no\/such\/dir does not exist/],
      [{ command: "sh", cwd: "/etc/passwd" }, Code.FAILED_PRECONDITION, /not a directory/],
      [{ command: "sh", cwd: "relative/dir" }, Code.INVALID_ARGUMENT, /absolute path/],
      [{ command: "sh", args: ["-c", "a\0b"] }, Code.INVALID_ARGUMENT, /args\[1\] must not contain NUL/],
      [{ command: "sh", env: { OK: "a\0b" } }, Code.INVALID_ARGUMENT, /env\[OK\] must not contain NUL/],
      [{ command: "sh", env: { "1BAD=": "x" } }, Code.INVALID_ARGUMENT, /not a valid environment variable name/],
      [{ command: "x".repeat(100_000) }, Code.INVALID_ARGUMENT, /command is 100000 bytes/],
      [{ command: "sh", rows: 5000 }, Code.INVALID_ARGUMENT, /rows must be between/],
      [{ command: "sh", cols: 100_000 }, Code.INVALID_ARGUMENT, /cols must be between 1 and 1000, got 100000/],
      // uint32 on the wire: -1 arrives as 4294967295.
      [{ command: "sh", rows: -1 }, Code.INVALID_ARGUMENT, /rows must be between 1 and 1000, got 4294967295/],
      [{ command: "sh", sessionId: "not-a-uuid" }, Code.INVALID_ARGUMENT, /not a UUID/],
      [{ command: "sh", labels: { "bad key!": "x" } }, Code.INVALID_ARGUMENT, /labels key/],
    ];
    for (const [req, code, message] of cases) {
      const err = await codeOf(spawn(sys, req)).catch((e: Error) => ({ code: -1, details: `${e.message}: ${JSON.stringify(req)}` }));
      expect({ req, code: err.code }).toEqual({ req, code });
      expect(err.details).toMatch(message);
    }
    // Still serving.
    const { sessionId } = await spawn(sys, { command: "true" });
    await waitStoredEnd(sys, sessionId);
  });

  it("is idempotent on a caller-chosen id, and refuses the id for another command", async () => {
    const sessionId = uuidv7();
    const first = await spawn(sys, { ...SLEEPER, sessionId });
    const again = await spawn(sys, { ...SLEEPER, sessionId });
    expect(again).toEqual(first);
    expect(first.sessionId).toBe(sessionId);
    const other = await codeOf(spawn(sys, { command: "sleep", args: ["31"], sessionId }));
    expect(other.code).toBe(Code.ALREADY_EXISTS);
    await kill(sessionId);
  });

  it("records the session with this node's address and environment names only", async () => {
    const { sessionId, pid } = await spawn(sys, { ...SLEEPER, env: { SECRET_TOKEN: "hunter2" }, labels: { team: "a" }, cwd: "/tmp" });
    const s = await waitFor("running in the store", async () => {
      const got = await getSession(sys, sessionId);
      return got.state === "SESSION_STATE_RUNNING" ? got : undefined;
    });
    expect(s.pid).toBe(pid);
    expect(s.ptyNode).toBe(sys.pty.address);
    expect(s.envNames).toContain("SECRET_TOKEN");
    expect(JSON.stringify(s)).not.toContain("hunter2");
    expect(s.labels).toEqual({ team: "a" });
    expect(s.cwd).toBe("/tmp");
    await kill(sessionId);
  });

  it("refuses sessions beyond PTY_MAX_SESSIONS with RESOURCE_EXHAUSTED", async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await spawn(sys, SLEEPER)).sessionId);
    const err = await codeOf(spawn(sys, SLEEPER));
    expect(err.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/PTY_MAX_SESSIONS/);
    await Promise.all(ids.map(kill));
    // Room again once they ended.
    await kill((await spawn(sys, SLEEPER)).sessionId);
  });
});

describe("write, resize, signal", () => {
  it("types into the program and refuses what is out of bounds", async () => {
    const { sessionId } = await spawn(sys, { command: "cat" });
    await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("hello\r") });
    await waitFor("echo and cat output stored", async () => (await readHistory(sys, sessionId)).bytes.toString() === "hello\r\nhello\r\n");

    const big = await codeOf(rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.alloc(1025) }));
    expect(big.code).toBe(Code.INVALID_ARGUMENT);
    expect(big.details).toMatch(/limit per Write is 1024/);
    expect((await codeOf(rpc(sys.ptyClient, "Write", { sessionId: uuidv7(), data: Buffer.from("x") }))).code).toBe(Code.NOT_FOUND);
    expect((await codeOf(rpc(sys.ptyClient, "Write", { sessionId: "nope", data: Buffer.from("x") }))).code).toBe(Code.INVALID_ARGUMENT);
    for (const [rows, cols, field] of [[0, 80, "rows"], [-1, 80, "rows"], [24, 100_000, "cols"]] as const) {
      const bad = await codeOf(rpc(sys.ptyClient, "Resize", { sessionId, rows, cols }));
      expect(bad.code).toBe(Code.INVALID_ARGUMENT);
      expect(bad.details).toMatch(new RegExp(`^${field} must be between`));
    }
    const badSignal = await codeOf(rpc(sys.ptyClient, "Signal", { sessionId, signal: "SIGNOPE" }));
    expect(badSignal.code).toBe(Code.INVALID_ARGUMENT);
    expect(badSignal.details).toMatch(/SIGINT/);

    // Ctrl-D ends cat; the session has exited and refuses input.
    await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from([4]) });
    const ended = await waitStoredEnd(sys, sessionId);
    expect(ended.exitCode).toBe(0);
    const late = await codeOf(rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("x") }));
    expect(late.code).toBe(Code.FAILED_PRECONDITION);
    expect(late.details).toMatch(/exited with code 0/);
    expect((await codeOf(rpc(sys.ptyClient, "Resize", { sessionId, rows: 10, cols: 10 }))).code).toBe(Code.FAILED_PRECONDITION);
    expect((await codeOf(rpc(sys.ptyClient, "Signal", { sessionId, signal: "INT" }))).code).toBe(Code.FAILED_PRECONDITION);
  });

  it("passes input through as bytes, every byte value included", async () => {
    const input = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    // Raw mode: no line editing, no signals, no echo; the program checksums what it reads.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "stty raw -echo; echo ready; head -c 256 | od -An -tx1 | tr -d ' \\n'"] });
    await waitFor("ready", async () => (await readHistory(sys, sessionId)).bytes.toString().includes("ready"));
    await rpc(sys.ptyClient, "Write", { sessionId, data: input });
    await waitStoredEnd(sys, sessionId);
    const out = (await readHistory(sys, sessionId)).bytes.toString().replace(/^ready\s*/, "").trim();
    expect(out).toBe(input.toString("hex"));
  });

  it("refuses input a program does not read beyond PTY_MAX_PENDING_INPUT_BYTES", async () => {
    // Raw mode: the terminal holds unread input instead of discarding it past a full line.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "stty raw -echo; echo ready; sleep 30"] });
    await waitFor("ready", async () => (await readHistory(sys, sessionId)).bytes.toString().includes("ready"));
    const kib = Buffer.alloc(1024, "a");
    let refused: { code: number; details: string } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      refused = await rpc(sys.ptyClient, "Write", { sessionId, data: kib }).then(
        () => undefined,
        (err: { code: number; details: string }) => err,
      );
    }
    expect(refused?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(refused?.details).toMatch(/not reading its input/);
    await kill(sessionId);
  });

  it("sends a named signal to the program's process group", async () => {
    const { sessionId } = await spawn(sys, SLEEPER);
    await rpc(sys.ptyClient, "Signal", { sessionId, signal: "INT" });
    const ended = await waitStoredEnd(sys, sessionId);
    expect(ended.exitSignal).toBe("SIGINT");
    expect(ended.state).toBe("SESSION_STATE_EXITED");
  });
});

describe("kill", () => {
  it("ends the program and every descendant, even those ignoring SIGHUP and SIGTERM or in another process group", async () => {
    const script = 'trap "" HUP TERM; (trap "" HUP TERM; sleep 1000) & set -m; (trap "" HUP TERM; sleep 1000) & echo started; wait';
    const { sessionId, pid } = await spawn(sys, { command: "/bin/sh", args: ["-c", script] });
    await waitFor("started", async () => (await readHistory(sys, sessionId)).bytes.toString().includes("started"));
    expect(processesInSession(pid).length).toBeGreaterThanOrEqual(3);
    const res = await kill(sessionId);
    expect(res.exit?.state).toBe("SESSION_STATE_KILLED");
    expect(res.exit?.signal).toBe("SIGKILL");
    expect(processesInSession(pid)).toEqual([]);
    const stored = await getSession(sys, sessionId);
    expect(stored.state).toBe("SESSION_STATE_KILLED");
    expect(stored.durableSeq).toBe(stored.finalSeq);
    // Killing again answers with the same end.
    expect((await kill(sessionId)).exit?.state).toBe("SESSION_STATE_KILLED");
  });
});

describe("liveness, listing and viewers", () => {
  it("answers running, exited and unknown; lists hosted sessions", async () => {
    const running = await spawn(sys, { ...SLEEPER, labels: { role: "sleeper" } });
    const exited = await spawn(sys, { command: "true" });
    await waitStoredEnd(sys, exited.sessionId);
    const unknown = uuidv7();
    const res = await rpc<PtyApi.CheckLivenessResponse__Output>(sys.ptyClient, "CheckLiveness", { sessionIds: [running.sessionId, exited.sessionId, unknown] });
    expect(res.sessions.map((s) => s.liveness)).toEqual(["LIVENESS_RUNNING", "LIVENESS_EXITED", "LIVENESS_UNKNOWN"]);
    expect((await codeOf(rpc(sys.ptyClient, "CheckLiveness", { sessionIds: ["x"] }))).code).toBe(Code.INVALID_ARGUMENT);

    const list = await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {});
    const listed = list.sessions.find((s) => s.sessionId === running.sessionId);
    expect(listed).toMatchObject({ command: "sleep", args: ["30"], pid: running.pid, state: "SESSION_STATE_RUNNING", labels: { role: "sleeper" } });
    await kill(running.sessionId);
  });

  it("limits viewers per session, and refuses unknown sessions and seqs beyond the output", async () => {
    const { sessionId } = await spawn(sys, SLEEPER);
    const beyond = await attach(sys, { sessionId, fromSeq: 99 }).done;
    expect(beyond.code).toBe(Code.OUT_OF_RANGE);
    expect(beyond.details).toMatch(/beyond the newest output/);
    const a = attach(sys, { sessionId, liveOnly: true });
    const b = attach(sys, { sessionId, liveOnly: true });
    await waitFor("two viewers", async () => (await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {})).sessions.find((s) => s.sessionId === sessionId)?.viewers === 2);
    const third = await attach(sys, { sessionId, liveOnly: true }).done;
    expect(third.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(third.details).toMatch(/PTY_MAX_VIEWERS/);
    expect((await attach(sys, { sessionId: uuidv7() }).done).code).toBe(Code.NOT_FOUND);
    await kill(sessionId);
    // Viewers end after the exit event.
    expect((await a.done).code).toBe(Code.OK);
    expect((await b.done).code).toBe(Code.OK);
    expect(a.events.at(-1)?.exit?.state).toBe("SESSION_STATE_KILLED");
  });
});
