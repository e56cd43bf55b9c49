/**
 * Ctrl-C on `npm start`: the terminal sends SIGINT to the whole foreground process group. The
 * pty-service must record its sessions as killed, their output kept, before PostgreSQL stops; the
 * next `npm start` shows them so. Run from a copy of the checkout (its own .data).
 */
import { afterAll, describe, expect, it } from "vitest";
import { createPtyClient, createStoreClient, type PtyApi, type StoreApi } from "@ptykeep/proto";
import { rpc, waitFor } from "./helpers.js";
import { copyRepo, startDev, type DevRun, type RepoCopy } from "../support/repo-copy.js";

const runs: DevRun[] = [];
let copy: RepoCopy | undefined;
let programPid = 0;
afterAll(() => {
  for (const r of runs) r.kill();
  if (programPid) {
    try {
      process.kill(programPid, "SIGKILL");
    } catch {
      // ended with its session, the usual case
    }
  }
  copy?.remove();
});

async function storedBytes(storeAddress: string, sessionId: string): Promise<{ state: string; bytes: Buffer }> {
  const client = createStoreClient(storeAddress);
  try {
    const { session } = await rpc<StoreApi.GetSessionResponse__Output>(client, "GetSession", { sessionId });
    const chunks: Buffer[] = [];
    for await (const msg of client.readHistory({ sessionId, fromSeq: 0, toSeq: 0 }, { deadline: Date.now() + 15_000 }) as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) {
      if (msg.output) chunks.push(msg.output.data);
    }
    return { state: session!.state, bytes: Buffer.concat(chunks) };
  } finally {
    client.close();
  }
}

describe("npm start", () => {
  it("on Ctrl-C (SIGINT to its process group) records its sessions as killed, output kept", async () => {
    copy = copyRepo(0o755);
    const first = await startDev(copy.root);
    runs.push(first);
    const pty = createPtyClient(first.ptyAddress);
    let sessionId: string;
    try {
      ({ sessionId } = await rpc<PtyApi.SpawnResponse__Output>(pty, "Spawn", { command: "bash", args: ["-c", "echo hi; exec sleep 600"], rows: 24, cols: 80 }));
    } finally {
      pty.close();
    }
    const running = await waitFor("the output stored", async () => {
      const s = await storedBytes(first.storeAddress, sessionId);
      return s.bytes.toString() === "hi\r\n" ? s : undefined;
    });
    expect(running.state).toBe("SESSION_STATE_RUNNING");

    // npm and tsx end by the signal they were sent: what tells a clean stop is the last line.
    first.interrupt();
    await first.exited;
    expect(first.output()).toMatch(/stopped\.\n$/);

    const second = await startDev(copy.root);
    runs.push(second);
    expect(second.output()).toContain(`reusing the data in ${first.dataDir}`);
    expect(await storedBytes(second.storeAddress, sessionId)).toEqual({ state: "SESSION_STATE_KILLED", bytes: Buffer.from("hi\r\n") });
    second.interrupt();
    await second.exited;
    expect(second.output()).toMatch(/stopped\.\n$/);
  }, 180_000);
});
