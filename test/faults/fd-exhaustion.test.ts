/**
 * A pty-service that runs out of file descriptors (its soft limit set low here): Spawn fails with
 * RESOURCE_EXHAUSTED and a message saying why, running sessions are untouched, health stays
 * SERVING, and once sessions end, Spawn works again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, checkHealth, createPtyClient, type PtyApi, type PtyServiceClient } from "@ptykeep/proto";
import { startStoreFixture } from "../store/helpers.js";
import { startPtyChild, type PtyChild } from "../history/pty-child.js";
import { codeOf, rpc, waitFor } from "../e2e/helpers.js";

const FD_LIMIT = 96;

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let pty: PtyChild;
let client: PtyServiceClient;

beforeAll(async () => {
  fx = await startStoreFixture("faults_fd_exhaustion");
  pty = await startPtyChild(fx.store.address, { env: { PTY_ENDED_RETENTION_MS: "0" }, fdLimit: FD_LIMIT });
  client = createPtyClient(pty.address);
});

afterAll(async () => {
  client?.close();
  await pty?.stop();
  await fx?.close();
  await fx?.dropDb();
});

describe("a pty-service out of file descriptors", () => {
  it("refuses Spawn with RESOURCE_EXHAUSTED, keeps what runs, and recovers", async () => {
    const running: string[] = [];
    let refusal: { code: number; details: string } | undefined;
    for (let i = 0; i < FD_LIMIT && !refusal; i++) {
      try {
        const res = await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { command: "cat", rows: 24, cols: 80 });
        running.push(res.sessionId);
      } catch (err) {
        refusal = { code: (err as { code: number }).code, details: (err as { details: string }).details };
      }
    }
    expect(refusal?.code, refusal?.details).toBe(Code.RESOURCE_EXHAUSTED);
    expect(refusal?.details).toMatch(new RegExp(`could not start cat in a new terminal: .*the pty-service has \\d+ of ${FD_LIMIT} file descriptors open \\(RLIMIT_NOFILE\\)`));
    expect(running.length).toBeGreaterThan(10);
    expect(await checkHealth(pty.address, { deadlineMs: 5_000 })).toBe("SERVING");

    // The sessions that run are untouched: the first still takes input and is running.
    await rpc(client, "Write", { sessionId: running[0], data: Buffer.from("ping\r") });
    const live = await rpc<PtyApi.CheckLivenessResponse__Output>(client, "CheckLiveness", { sessionIds: running });
    expect(new Set(live.sessions.map((s) => s.liveness))).toEqual(new Set(["LIVENESS_RUNNING"]));

    // End them all; then a spawn works again.
    for (const sessionId of running) await rpc(client, "Kill", { sessionId });
    await waitFor("the sessions forgotten", async () => (await rpc<PtyApi.ListSessionsResponse__Output>(client, "ListSessions", {})).sessions.length === 0, 30_000);
    const again = await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { command: "true", rows: 24, cols: 80 });
    expect(again.sessionId).toBeTruthy();
    expect((await codeOf(rpc(client, "Write", { sessionId: "nope", data: Buffer.from("x") }))).code).toBe(Code.INVALID_ARGUMENT);
  }, 120_000);
});
