/**
 * The one-shot commands of the real `ptykeep` binary against a real pty-service and store:
 * run -d, write, resize, kill (with and without --signal), logs --follow and a watch-only attach
 * that end when the session does, attach --tail, export of a real terminal session with its
 * resize in place, and `logs | head` ending quietly.
 */
import { spawn } from "node:child_process";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { uuidv7, type StoreApi } from "@ptykeep/proto";
import type { RunningPty } from "@ptykeep/pty-service";
import { startServices, type Services } from "../support/services.js";
import { PTYKEEP_BIN, ROOT, poll, runPtykeep, startPtykeep, storedHistory, outputOf, endedHistory, type BackgroundCli } from "./helpers.js";

function background(args: string[]): BackgroundCli {
  const cli = startPtykeep(args, { env });
  children.add(cli);
  void cli.done.then(() => children.delete(cli));
  return cli;
}

let fx: Services;
let pty: RunningPty;
let env: Record<string, string>;
const children = new Set<BackgroundCli>();

beforeAll(async () => {
  fx = await startServices("cli_commands", { ptyEnv: { PTY_DEFAULT_CWD: os.tmpdir(), PTY_KILL_GRACE_MS: "500" } });
  pty = fx.pty;
  env = { PTY_ADDR: pty.address, STORE_ADDR: fx.store.address };
});

afterAll(async () => {
  for (const c of children) c.kill();
  await fx?.close();
});

async function getSession(id: string): Promise<StoreApi.Session__Output> {
  return new Promise((resolve, reject) =>
    fx.storeClient.GetSession({ sessionId: id }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (e, r) => (e ? reject(e) : resolve(r!.session!))),
  );
}

const storedBytes = async (id: string) => outputOf(await storedHistory(fx.storeClient, id));

async function runDetached(args: string[]): Promise<string> {
  const res = await runPtykeep(["run", "-d", ...args], { env });
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  const id = res.stdout.toString().trim();
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id;
}

describe("a bash session driven by one-shot commands", () => {
  it("write, resize, follow, watch, exit code, export with the resize in place", async () => {
    const id = await runDetached(["--env", "PS1=p$ ", "--", "bash", "--norc", "--noprofile"]);
    expect(await runPtykeep(["write", id, "echo one-$((1+1))\\r"], { env })).toMatchObject({ code: 0, stderr: "" });
    await poll(() => storedBytes(id), (b) => b.includes("one-2\r\n"), "one-2 in the history");

    expect(await runPtykeep(["resize", id, "40", "120"], { env })).toMatchObject({ code: 0, stderr: "" });
    expect(await getSession(id)).toMatchObject({ rows: 40, cols: 120 });
    await runPtykeep(["write", id, "stty size; echo two-$((2+2))\\r"], { env });
    await poll(() => storedBytes(id), (b) => b.includes("two-4\r\n"), "two-4 in the history");
    expect((await storedBytes(id)).toString()).toContain("40 120\r\n");

    // Followers started while it runs end when it ends, with everything it printed.
    const follow = background(["logs", id, "--follow"]);
    // --history: the whole output (plain attach starts from the screen: test/cli/screen.test.ts).
    const watch = background(["attach", id, "--history"]);
    await runPtykeep(["write", id, "echo three-$((3+3)); exit 7\\r"], { env });
    const [followed, watched] = await Promise.all([follow.done, watch.done]);
    const all = outputOf(await endedHistory(fx.storeClient, id));
    expect(all.toString()).toContain("three-6\r\n");
    expect(followed.code).toBe(0);
    expect(followed.stdout.equals(all)).toBe(true);
    expect(watched.code).toBe(7);
    expect(watched.stdout.equals(all)).toBe(true);
    expect(watched.stderr).toBe(`[ptykeep] session ${id} exited (exit code 7)\n`);

    // Attach to the ended session: its history, then its exit code.
    const again = await runPtykeep(["attach", id, "--history"], { env });
    expect(again.code).toBe(7);
    expect(again.stdout.equals(all)).toBe(true);
    // --tail: starts at the chunk holding byte (end - N), so a suffix at least N long.
    const tail = await runPtykeep(["attach", id, "--tail", "8"], { env });
    expect(tail.code).toBe(7);
    expect(tail.stdout.length).toBeGreaterThanOrEqual(8);
    expect(tail.stdout.length).toBeLessThan(all.length);
    expect(all.subarray(all.length - tail.stdout.length).equals(tail.stdout)).toBe(true);

    // export: the resize sits after the output that came before it and before what came after.
    const cast = await runPtykeep(["export", id], { env });
    expect(cast.code).toBe(0);
    const [headerLine, ...eventLines] = cast.stdout.toString().trimEnd().split("\n");
    expect(JSON.parse(headerLine!)).toMatchObject({ version: 2, width: 80, height: 24, command: "bash --norc --noprofile" });
    const events = eventLines.map((l) => JSON.parse(l) as [number, string, string]);
    const times = events.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const text = events.filter((e) => e[1] === "o").map((e) => e[2]).join("");
    expect(text).toBe(new TextDecoder("utf-8", { ignoreBOM: true }).decode(all));
    const resizeAt = events.findIndex((e) => e[1] === "r");
    expect(events[resizeAt]![2]).toBe("120x40");
    const before = events.slice(0, resizeAt).filter((e) => e[1] === "o").map((e) => e[2]).join("");
    expect(before).toContain("one-2\r\n");
    expect(before).not.toContain("40 120");
  });
});

describe("kill", () => {
  it("--signal sends one signal; plain kill ends the session and says how", async () => {
    const a = await runDetached(["--", "sleep", "1000"]);
    expect(await runPtykeep(["kill", a, "--signal", "TERM"], { env })).toMatchObject({ code: 0, stderr: "" });
    const ended = await poll(() => getSession(a), (s) => s.state !== "SESSION_STATE_RUNNING", "sleep to end on SIGTERM");
    expect(ended).toMatchObject({ state: "SESSION_STATE_EXITED", exitSignal: "SIGTERM" });

    const b = await runDetached(["--", "sleep", "1000"]);
    const killed = await runPtykeep(["kill", b], { env });
    expect(killed.stderr).toBe("");
    expect(killed.code).toBe(0);
    expect(killed.stdout.toString()).toMatch(new RegExp(`^session ${b} killed`));
    expect((await getSession(b)).state).toBe("SESSION_STATE_KILLED");
  });

  it("of a lost session no pty-service runs: says so with the reason, and leaves the record alone", async () => {
    const id = uuidv7();
    await new Promise((resolve, reject) =>
      fx.storeClient.RegisterSession({ sessionId: id, command: "sleep", args: ["1000"], cwd: "/tmp", ptyNode: "127.0.0.1:1", rows: 24, cols: 80 }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    const reason = "pty-service 127.0.0.1:1 unreachable for 60 s: connection refused";
    const db = new pg.Client({ connectionString: fx.dbUrl });
    await db.connect();
    try {
      await db.query("UPDATE sessions SET state = 'lost', end_reason = $2, ended_at = now() WHERE session_id = $1", [id, reason]);
    } finally {
      await db.end();
    }
    const res = await runPtykeep(["kill", id], { env });
    expect(res.code).toBe(1);
    expect(res.stderr.toString().trim()).toBe(`ptykeep: session ${id} is lost (${reason}); no pty-service runs it, so there is nothing to kill`);
    expect(await getSession(id)).toMatchObject({ state: "SESSION_STATE_LOST", endReason: reason });
  });
});

describe("failures the pty-service reports", () => {
  it("an unknown session and a program that cannot start: exit 1, one line", async () => {
    const unknown = "0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e";
    const write = await runPtykeep(["write", unknown, "x"], { env });
    expect(write.code).toBe(1);
    expect(write.stderr).toBe(`ptykeep: session ${unknown} not found on pty-service at ${pty.address}\n`);
    const run = await runPtykeep(["run", "-d", "--", "/no/such/program"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^ptykeep: pty-service at ${pty.address.replace(/\./g, "\\.")}: .*/no/such/program.* \\([A-Z_]+\\)\n$`));
  });
});

describe("logs into a pipe that closes early", () => {
  it("stops quietly with exit 0", async () => {
    const id = await runDetached(["--", "sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' x"]);
    await poll(() => getSession(id), (s) => s.state === "SESSION_STATE_EXITED" && s.durableSeq === s.finalSeq, "the output to be stored");
    const res = await new Promise<{ out: string; err: string }>((resolve) => {
      const sh = spawn("bash", ["--norc", "--noprofile", "-c", `"${process.execPath}" "${PTYKEEP_BIN}" logs ${id} | head -c 5; echo " rc=\${PIPESTATUS[0]}"`], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } });
      let out = "";
      let err = "";
      sh.stdout.on("data", (d) => (out += d));
      sh.stderr.on("data", (d) => (err += d));
      sh.on("close", () => resolve({ out, err }));
    });
    expect(res).toEqual({ out: "xxxxx rc=0\n", err: "" });
  });
});
