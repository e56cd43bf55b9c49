/**
 * PTY_ALLOWED_COMMANDS and PTY_ENV_DENY on a real pty-service: a program outside the allow-list
 * is PERMISSION_DENIED however it is named (the caller's PATH cannot smuggle a look-alike), a
 * denied variable set by a caller is PERMISSION_DENIED, and programs never inherit the service's
 * own denied variables.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { callUnary, createPtyClient, createStoreClient, type PtyApi, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { readHistory, waitStoredEnd, type System } from "../e2e/helpers.js";
import { CALL_DEADLINE_MS, startServices } from "./helpers.js";

/** Set in this process, hence in the pty-service's environment; matched by the default deny-list. */
const SERVICE_SECRET = { name: "PTY_TEST_INHERITED_SECRET", value: "inherited-secret-value" };

let sys: Awaited<ReturnType<typeof startServices>>;
let pty: PtyServiceClient;
let store: StoreServiceClient;
let fakeBin: string;

beforeAll(async () => {
  process.env[SERVICE_SECRET.name] = SERVICE_SECRET.value;
  fakeBin = mkdtempSync(path.join(os.tmpdir(), "ptykeep-fakebin-"));
  // A look-alike "env" in a directory the caller puts first in its PATH.
  writeFileSync(path.join(fakeBin, "env"), "#!/bin/sh\necho fake\n");
  chmodSync(path.join(fakeBin, "env"), 0o755);
  sys = await startServices("spawnpolicy", { ptyEnv: { PTY_ALLOWED_COMMANDS: "env,/bin/echo" } });
  pty = createPtyClient(sys.pty.address);
  store = createStoreClient(sys.store.address);
});

afterAll(async () => {
  delete process.env[SERVICE_SECRET.name];
  pty?.close();
  store?.close();
  await sys?.close();
  rmSync(fakeBin, { recursive: true, force: true });
});

function spawn(req: Partial<PtyApi.SpawnRequest>): Promise<PtyApi.SpawnResponse__Output> {
  return callUnary(pty, "Spawn", { rows: 24, cols: 80, ...req }, { deadlineMs: CALL_DEADLINE_MS });
}

async function refusal(p: Promise<unknown>): Promise<{ code: grpc.status; details: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as grpc.ServiceError).code, details: (err as grpc.ServiceError).details };
  }
  throw new Error("the call succeeded");
}

async function output(sessionId: string): Promise<string> {
  const view = { storeClient: store } as System;
  await waitStoredEnd(view, sessionId);
  return (await readHistory(view, sessionId)).bytes.toString("latin1");
}

describe("PTY_ALLOWED_COMMANDS", () => {
  it("runs a listed program, by name or by path", async () => {
    expect(await output((await spawn({ command: "echo", args: ["allowed"] })).sessionId)).toContain("allowed");
    expect(await output((await spawn({ command: "/bin/echo", args: ["by", "path"] })).sessionId)).toContain("by path");
  });

  it("refuses other programs with PERMISSION_DENIED", async () => {
    expect(await refusal(spawn({ command: "/bin/sh", args: ["-c", "true"] }))).toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining("PTY_ALLOWED_COMMANDS") });
  });

  it("refuses a look-alike found through the caller's PATH", async () => {
    expect((await refusal(spawn({ command: "env", env: { PATH: `${fakeBin}:/usr/bin:/bin` } }))).code).toBe(grpc.status.PERMISSION_DENIED);
  });
});

describe("PTY_ENV_DENY", () => {
  it("refuses a caller setting a denied variable, naming it but not its value", async () => {
    const r = await refusal(spawn({ command: "echo", env: { LD_PRELOAD: "/tmp/evil-value.so" } }));
    expect(r.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(r.details).toContain("LD_PRELOAD");
    expect(r.details).not.toContain("evil-value");
  });

  it("does not pass the service's own variables on to programs", async () => {
    const text = await output((await spawn({ command: "env", env: { VISIBLE_TO_PROGRAM: "yes" } })).sessionId);
    expect(text).toContain("VISIBLE_TO_PROGRAM=yes");
    expect(text).not.toContain(SERVICE_SECRET.name);
    expect(text).not.toContain(SERVICE_SECRET.value);
  });
});
