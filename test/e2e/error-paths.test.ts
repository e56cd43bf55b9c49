/**
 * Error paths a caller must be told about, with the code and a message that says what to fix:
 * a program the kernel cannot execute by itself (no #! line: never handed to a shell), a program
 * that exists but may not be executed, and a Kill whose ending the store refused to record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Code, type PtyApi } from "@ptykeep/proto";
import { codeOf, getSession, readHistory, rpc, spawn, startSystem, waitFor, type System } from "./helpers.js";

let sys: System;
let dir: string;

beforeAll(async () => {
  sys = await startSystem("e2e_error_paths");
  dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-error-paths-"));
});

afterAll(async () => {
  await sys?.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string, mode: number): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

describe("spawn checks the program the kernel would run", () => {
  it("refuses an executable file without #! (it would run through /bin/sh) with FAILED_PRECONDITION", async () => {
    const marker = path.join(dir, "ran");
    const script = file("no-shebang", `touch ${marker}\n`, 0o755);
    const byPath = await codeOf(spawn(sys, { command: script }));
    expect(byPath.code).toBe(Code.FAILED_PRECONDITION);
    expect(byPath.details).toContain(script);
    expect(byPath.details).toContain("#!");
    // Found through PATH, the same.
    const byName = await codeOf(spawn(sys, { command: "no-shebang", env: { PATH: dir } }));
    expect(byName.code).toBe(Code.FAILED_PRECONDITION);
    expect(byName.details).toContain("#!");
    // With its interpreter named, it runs.
    const withShebang = file("with-shebang", `#!/bin/sh\nprintf ok\n`, 0o755);
    const { sessionId } = await spawn(sys, { command: withShebang });
    await waitFor("exit recorded", async () => ((await getSession(sys, sessionId)).state === "SESSION_STATE_EXITED" ? true : undefined));
    expect((await readHistory(sys, sessionId)).bytes.toString()).toBe("ok");
  });

  it("says a program found in PATH is not executable rather than not found", async () => {
    file("not-exec", "#!/bin/sh\necho hi\n", 0o644);
    const r = await codeOf(spawn(sys, { command: "not-exec", env: { PATH: dir } }));
    expect(r.code).toBe(Code.FAILED_PRECONDITION);
    expect(r.details).toContain(path.join(dir, "not-exec"));
    expect(r.details).toMatch(/not executable/);
    expect(r.details).not.toMatch(/not found/);
  });
});

describe("Kill", () => {
  it("fails with DATA_LOSS when the store refuses to record the ending", async () => {
    const { sessionId } = await spawn(sys, { command: "sleep", args: ["600"] });
    await waitFor("running in the store", async () => ((await getSession(sys, sessionId)).state === "SESSION_STATE_RUNNING" ? true : undefined));
    // Another record of the ending reaches the store first: the pty-service's will be refused.
    await rpc(sys.storeClient, "MarkExited", { sessionId, exitCode: 99, signal: "", finalSeq: 0, reason: "END_REASON_EXITED" });
    const r = await codeOf(rpc<PtyApi.KillResponse__Output>(sys.ptyClient, "Kill", { sessionId }, 30_000));
    expect(r.code).toBe(Code.DATA_LOSS);
    expect(r.details).toContain(sessionId);
    expect(r.details).toMatch(/refused/);
  });
});

describe("MarkExited", () => {
  it("refuses an ended_at PostgreSQL cannot hold with INVALID_ARGUMENT naming the field", async () => {
    const { sessionId } = await spawn(sys, { command: "sleep", args: ["600"] });
    await waitFor("running in the store", async () => ((await getSession(sys, sessionId)).state === "SESSION_STATE_RUNNING" ? true : undefined));
    const r = await codeOf(rpc(sys.storeClient, "MarkExited", { sessionId, exitCode: 0, signal: "", finalSeq: 0, reason: "END_REASON_EXITED", endedAt: { seconds: -5, nanos: 0 } }));
    expect(r.code).toBe(Code.INVALID_ARGUMENT);
    expect(r.details).toContain("ended_at");
    await rpc(sys.ptyClient, "Kill", { sessionId }, 30_000);
  });
});
