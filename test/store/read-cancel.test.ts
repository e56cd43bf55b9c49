/**
 * ReadHistory cancelled part-way: the handler stops (it does not keep reading pages for a caller
 * that left), every call is accounted as finished, no PostgreSQL connection is held, and the
 * store goes on serving full replays. Callers that read a little and leave, and callers that
 * read nothing (the server blocked on HTTP/2 flow control) and leave, both.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type * as grpc from "@grpc/grpc-js";
import type { StoreApi } from "@ptykeep/proto";
import { AppendStream, chunksOf, historyBytes, historyEnd, readHistory, register, startStoreFixture } from "./helpers.js";

/** Two connections: one leaked by a cancelled replay would show at once. */
const POOL_SIZE = 2;
const CHUNKS = 256;
const CHUNK_BYTES = 32 * 1024;
const CANCELLED_CALLS = 20;

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let sessionId: string;
let sent: Buffer;

beforeAll(async () => {
  fx = await startStoreFixture("store_read_cancel", { STORE_POOL_SIZE: String(POOL_SIZE) });
  const { session } = await register(fx.client);
  sessionId = session!.sessionId;
  const pieces = Array.from({ length: CHUNKS }, () => randomBytes(CHUNK_BYTES));
  sent = Buffer.concat(pieces);
  const stream = new AppendStream(fx.client);
  stream.write(chunksOf(sessionId, pieces));
  await stream.untilAcked(sessionId, CHUNKS, 30_000);
  stream.close();
  await stream.until(() => stream.ended, "stream end");
});
afterAll(async () => {
  await fx?.close();
  await fx?.dropDb();
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Opens a replay, lets `take` output messages arrive (0: never reads), then cancels it. */
function cancelAfter(take: number): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => {
    const stream = fx.client.ReadHistory({ sessionId, fromSeq: 0, toSeq: 0 });
    let outputs = 0;
    stream.on("error", (err: grpc.ServiceError) => resolve(err));
    stream.on("end", () => reject(new Error("the replay ended before it was cancelled")));
    if (take === 0) {
      // Not reading: the server fills the HTTP/2 window and waits for 'drain'.
      stream.pause();
      setTimeout(() => stream.cancel(), 300);
      return;
    }
    stream.on("data", (e: StoreApi.ReadHistoryResponse__Output) => {
      if (e.output && ++outputs === take) stream.cancel();
    });
  });
}

async function readHistoryCalls(): Promise<{ started: number; handled: Map<string, number> }> {
  const metrics = await fx.store.metrics.registry.getMetricsAsJSON();
  const isReadHistory = (labels: Record<string, unknown>) => labels.grpc_method === "ReadHistory";
  const started = metrics.find((m) => m.name === "ptykeep_grpc_server_started_total")!.values.filter((v) => isReadHistory(v.labels)).reduce((n, v) => n + v.value, 0);
  const handled = new Map<string, number>();
  for (const v of metrics.find((m) => m.name === "ptykeep_grpc_server_handled_total")!.values) {
    if (isReadHistory(v.labels)) handled.set(String(v.labels.grpc_code), (handled.get(String(v.labels.grpc_code)) ?? 0) + v.value);
  }
  return { started, handled };
}

async function busyStoreConnections(): Promise<number> {
  const client = new pg.Client({ connectionString: fx.dbUrl });
  await client.connect();
  try {
    const res = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ptykeep-store' AND state <> 'idle'",
    );
    return Number(res.rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe("ReadHistory cancelled mid-replay", () => {
  it("stops the handler, holds no connection, and leaves the store serving full replays", async () => {
    const before = await readHistoryCalls();
    const errors = await Promise.all(Array.from({ length: CANCELLED_CALLS }, (_, i) => cancelAfter(i % 2 === 0 ? 0 : 1 + i * 5)));
    expect(errors.map((e) => e.code)).toEqual(Array(CANCELLED_CALLS).fill(1)); // CANCELLED

    // Every handler returned: the server counts each call handled (as CANCELLED) once it has.
    const deadline = Date.now() + 10_000;
    let after = await readHistoryCalls();
    while (Date.now() < deadline && [...after.handled.values()].reduce((a, b) => a + b, 0) < after.started) {
      await new Promise((r) => setTimeout(r, 50));
      after = await readHistoryCalls();
    }
    expect(after.started - before.started).toBe(CANCELLED_CALLS);
    expect((after.handled.get("CANCELLED") ?? 0) - (before.handled.get("CANCELLED") ?? 0)).toBe(CANCELLED_CALLS);
    expect(await busyStoreConnections()).toBe(0);

    // With a pool of two, a connection held by any of them would stall this.
    const events = await readHistory(fx.client, { sessionId });
    expect(sha(historyBytes(events))).toBe(sha(sent));
    expect(historyEnd(events).reason).toBe("HISTORY_END_REASON_CAUGHT_UP");
  }, 60_000);
});
