/**
 * A network blackhole between the pty-service and the store: a TCP proxy in between stops
 * forwarding on its open connections without closing them (no FIN, no RST: nothing gets through).
 * The pty-service's keepalive notices within TRANSPORT's keepalive time plus timeout, it connects
 * again (the proxy forwards new connections), and the history is complete and exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import { TRANSPORT, createPtyClient, createStoreClient, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../../pty-service/src/index.js";
import { contiguous, readHistory, rpc, sha256, spawn, waitFor, waitStoredEnd, type System } from "../e2e/helpers.js";
import { Programs } from "../e2e/programs.js";
import { Proxy } from "./proxy.js";

/** Timers and a loaded machine, beyond the keepalive figures. */
const MARGIN_MS = 10_000;
const DETECT_MS = TRANSPORT.KEEPALIVE_TIME_MS + TRANSPORT.KEEPALIVE_TIMEOUT_MS;

let db: { url: string; drop(): Promise<void> };
let store: RunningStore;
let pty: RunningPty;
let proxy: Proxy;
let storeClient: StoreServiceClient;
let ptyClient: PtyServiceClient;
let programs: Programs;

beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "faults_blackhole");
  store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0" }) });
  proxy = new Proxy(store.port);
  const viaProxy = await proxy.listen();
  pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: viaProxy, PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp" }) });
  storeClient = createStoreClient(store.address);
  ptyClient = createPtyClient(pty.address);
  programs = new Programs();
});

afterAll(async () => {
  await pty?.stop(5_000);
  ptyClient?.close();
  storeClient?.close();
  await proxy?.close();
  await store?.stop(2_000);
  await db?.drop();
  programs?.remove();
});

describe("network blackhole between pty-service and store", () => {
  it("is detected by keepalive, the link is made again, and nothing is lost", async () => {
    // The helpers take a System; only the clients and the store are used by these.
    const sys = { storeClient, ptyClient } as unknown as System;
    const part1 = randomBytes(256 * 1024);
    const part2 = randomBytes(256 * 1024);
    const f1 = programs.file("p1.bin", part1);
    const f2 = programs.file("p2.bin", part2);
    // Raw mode: bytes pass unchanged; `read` waits for the newline the test types.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; cat "$0"; read x; cat "$1"', f1, f2], cwd: "/tmp" });
    await waitFor("the first part stored", async () => (await readHistory(sys, sessionId)).bytes.length === part1.length);

    const connectionsBefore = proxy.connections;
    proxy.blackhole();
    const blackholedAt = Date.now();
    await rpc(ptyClient, "Write", { sessionId, data: Buffer.from("\n") });

    const ended = await waitStoredEnd(sys, sessionId, DETECT_MS + MARGIN_MS + 15_000);
    const elapsed = Date.now() - blackholedAt;
    expect(ended.exitCode).toBe(0);
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(elapsed).toBeLessThan(DETECT_MS + MARGIN_MS);
    // Nothing got through the blackhole: the rest arrived only after a keepalive ping went unanswered.
    expect(elapsed).toBeGreaterThanOrEqual(TRANSPORT.KEEPALIVE_TIMEOUT_MS);
    const h = await readHistory(sys, sessionId);
    expect(sha256(contiguous(h.chunks))).toBe(sha256(Buffer.concat([part1, part2])));
  }, 90_000);
});
