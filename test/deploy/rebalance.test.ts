/**
 * Store connections age out (STORE_MAX_CONNECTION_AGE_MS): the store asks each client to
 * reconnect after a while, so that pty-services spread over replicas added since they connected.
 * Here the age is a second and a half: a pty-service balancing over two replicas has its output
 * stream ended and opened again and again while a program prints, and the history is still
 * exact, each chunk once. (Which replica a new stream lands on is round robin's choice; that a
 * dns: address is re-resolved on reconnection is grpc-js's.)
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPtyClient, createStoreClient, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../../pty-service/src/index.js";
import { contiguous, readHistory, sha256, spawn, waitStoredEnd, type System } from "../e2e/helpers.js";
import { storedChunkCounts } from "../store/helpers.js";

const AGE_MS = 1_500;
const GRACE_MS = 300;
/** The program prints for about this long: several connection ages. */
const LINES = 400;
const PAUSE_S = 0.02;

let db: { url: string; drop(): Promise<void> };
const stores: RunningStore[] = [];
let pty: RunningPty;
let ptyClient: PtyServiceClient;
let storeClient: StoreServiceClient;

beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "rebalance");
  for (let i = 0; i < 2; i++) {
    stores.push(
      await startStoreService({
        config: loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", STORE_MAX_CONNECTION_AGE_MS: String(AGE_MS), STORE_MAX_CONNECTION_AGE_GRACE_MS: String(GRACE_MS) }),
      }),
    );
  }
  pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: stores.map((s) => s.address).join(","), PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp" }) });
  ptyClient = createPtyClient(pty.address);
  storeClient = createStoreClient(stores[0]!.address);
});

afterAll(async () => {
  await pty?.stop(5_000);
  ptyClient?.close();
  storeClient?.close();
  await Promise.all(stores.map((s) => s.stop(2_000)));
  await db?.drop();
});

/** AppendOutput calls a replica has seen start: one per time the pty-service (re)opened its stream there. */
async function appendStreamsStarted(store: RunningStore): Promise<number> {
  const metrics = await store.metrics.registry.getMetricsAsJSON();
  const started = metrics.find((m) => m.name === "ptykeep_grpc_server_started_total")?.values ?? [];
  return started.filter((v) => v.labels.grpc_method === "AppendOutput").reduce((n, v) => n + v.value, 0);
}

describe("connection ageing", () => {
  it("ends and reopens the output stream while a program prints, losing and repeating nothing", async () => {
    const sys = { storeClient, ptyClient } as unknown as System;
    const script = `i=1; while [ $i -le ${LINES} ]; do echo "line $i"; sleep ${PAUSE_S}; i=$((i+1)); done`;
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", script] });
    await waitStoredEnd(sys, sessionId, 60_000);

    const expected = Buffer.from(Array.from({ length: LINES }, (_, i) => `line ${i + 1}\r\n`).join(""), "latin1");
    const h = await readHistory(sys, sessionId);
    expect(sha256(contiguous(h.chunks))).toBe(sha256(expected));
    const counts = await storedChunkCounts(db.url, sessionId);
    expect(counts.n).toBe(counts.d);
    // The stream was ended and opened again, each time on whichever replica round robin gave
    // (with a dns: address, re-resolved first): at least twice while the program printed.
    const started = await Promise.all(stores.map(appendStreamsStarted));
    expect(started[0]! + started[1]!, `AppendOutput calls per replica: ${started.join(", ")}`).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
