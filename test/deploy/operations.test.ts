/**
 * Operating the services as processes: Prometheus metrics on both (sessions by state, bytes in
 * and durable, flushes, gRPC calls by method and code), and SIGTERM as an orchestrator sends it:
 * the pty-service ends its sessions, recorded as KILLED with all output durable, and both
 * processes exit 0 within their grace period.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPtyClient, createStoreClient, type PtyApi, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { getSession, readHistory, rpc, waitFor, type System } from "../e2e/helpers.js";
import { scrape, startServiceProcess, type ServiceProcess } from "./processes.js";

/** Grace periods given to the processes, and the margin a loaded machine needs beyond them. */
const GRACE_MS = 3_000;
const EXIT_MARGIN_MS = 5_000;

let db: { url: string; drop(): Promise<void> };
let store: ServiceProcess;
let pty: ServiceProcess;
let ptyClient: PtyServiceClient;
let storeClient: StoreServiceClient;

beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "operations");
  store = await startServiceProcess("store-service", { DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", STORE_METRICS_LISTEN: "127.0.0.1:0", STORE_SHUTDOWN_GRACE_MS: String(GRACE_MS) });
  pty = await startServiceProcess("pty-service", {
    STORE_ADDR: store.address,
    PTY_LISTEN: "127.0.0.1:0",
    PTY_METRICS_LISTEN: "127.0.0.1:0",
    PTY_DEFAULT_CWD: "/tmp",
    PTY_SHUTDOWN_GRACE_MS: String(GRACE_MS),
    PTY_KILL_GRACE_MS: "200",
  });
  ptyClient = createPtyClient(pty.address);
  storeClient = createStoreClient(store.address);
});

afterAll(async () => {
  ptyClient?.close();
  storeClient?.close();
  for (const p of [pty, store]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all([pty?.exited, store?.exited]);
  await db?.drop();
});

describe("operations", () => {
  const sys = () => ({ ptyClient, storeClient }) as System;
  let sleeper: PtyApi.SpawnResponse__Output;

  it("exposes metrics on both services", async () => {
    sleeper = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { command: "/bin/sh", args: ["-c", "printf 'x%.0s' $(seq 1 5000); echo; exec sleep 1000"], rows: 24, cols: 80 });
    await waitFor("output durable", async () => (await readHistory(sys(), sleeper.sessionId)).bytes.length >= 5000);
    await rpc(ptyClient, "Write", { sessionId: "01890000-0000-7000-8000-000000000000", data: Buffer.from("x") }).catch(() => {});

    const pm = pty.metrics!;
    expect(await scrape(pm, "ptykeep_pty_sessions", { state: "running" })).toBe(1);
    expect(await scrape(pm, "ptykeep_grpc_server_handled_total", { grpc_method: "Spawn", grpc_code: "OK" })).toBe(1);
    expect(await scrape(pm, "ptykeep_grpc_server_handled_total", { grpc_method: "Write", grpc_code: "NOT_FOUND" })).toBe(1);
    await waitFor("durable bytes counted", async () => (await scrape(pm, "ptykeep_pty_durable_bytes_total")) >= 5000);
    expect(await scrape(pm, "ptykeep_pty_output_bytes_total")).toBeGreaterThanOrEqual(5000);
    expect(await scrape(pm, "ptykeep_pty_store_connected")).toBe(1);
    expect(await scrape(pm, "ptykeep_pty_paused_sessions")).toBe(0);

    const sm = store.metrics!;
    expect(await scrape(sm, "ptykeep_store_sessions", { state: "running" })).toBe(1);
    expect(await scrape(sm, "ptykeep_store_received_bytes_total")).toBeGreaterThanOrEqual(5000);
    expect(await scrape(sm, "ptykeep_store_durable_bytes_total")).toBeGreaterThanOrEqual(5000);
    expect(await scrape(sm, "ptykeep_store_flush_seconds_count", { outcome: "ok" })).toBeGreaterThan(0);
    expect(await scrape(sm, "ptykeep_grpc_server_handled_total", { grpc_method: "RegisterSession", grpc_code: "OK" })).toBe(1);
    expect(await scrape(sm, "ptykeep_store_append_streams")).toBe(1);
    expect(await scrape(sm, "ptykeep_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("ends sessions as KILLED on SIGTERM to the pty-service, and both processes exit 0", async () => {
    const started = Date.now();
    pty.child.kill("SIGTERM");
    expect(await pty.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(GRACE_MS + EXIT_MARGIN_MS);
    const session = await getSession(sys(), sleeper.sessionId);
    expect(session.state).toBe("SESSION_STATE_KILLED");
    expect(session.durableSeq).toBe(session.finalSeq);

    const storeStarted = Date.now();
    store.child.kill("SIGTERM");
    expect(await store.exited).toBe(0);
    expect(Date.now() - storeStarted).toBeLessThan(GRACE_MS + EXIT_MARGIN_MS);
  });
});
