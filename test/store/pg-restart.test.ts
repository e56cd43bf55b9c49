/**
 * PostgreSQL restarted under a running store: nothing crashes, unary calls answer UNAVAILABLE
 * meanwhile, and chunks sent during the outage are acknowledged after it and stored exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type StoreApi } from "@ptykeep/proto";
import { createTestDatabase, startPrivatePostgres, type PostgresServer } from "../support/postgres.js";
import { AppendStream, chunksOf, codeOf, outageSession, register, resendAfterOutage, startStoreFixture, unaryCall } from "./helpers.js";

let server: PostgresServer;
let fx: Awaited<ReturnType<typeof startStoreFixture>>;

beforeAll(async () => {
  server = await startPrivatePostgres();
  const db = await createTestDatabase(server.adminUrl, "store_pg_restart");
  // Short connect timeout so calls during the outage fail fast rather than wait.
  fx = await startStoreFixture("unused", { STORE_PG_CONNECT_TIMEOUT_MS: "1000" }, db.url);
});
afterAll(async () => {
  await fx?.close();
  await server?.dispose();
});

describe("PostgreSQL restart with an open AppendOutput stream", () => {
  it("keeps the stream, acks after the restart, stores every chunk once", async () => {
    const o = await outageSession(fx);
    const { id, reqs, s } = o;

    await server.stop();
    // During the outage: chunks are taken but not acknowledged; unary calls say UNAVAILABLE.
    s.write(reqs.slice(20, 40));
    const down = await codeOf(unaryCall<StoreApi.GetSessionRequest, unknown>(fx.client, "GetSession", { sessionId: id }));
    expect(down.code).toBe(Code.UNAVAILABLE);
    expect(s.acked.get(id)).toBe(20);
    expect(s.error).toBeUndefined();

    await server.start();
    // Resend part of the outage's chunks (as a sender that reconnected would), and new ones.
    await resendAfterOutage(fx, o);
  });

  it("stops in bounded time while PostgreSQL is down with chunks waiting, acking none of them", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    const s = new AppendStream(fx.client);
    await server.stop();
    try {
      s.write(chunksOf(id, [Buffer.from("never acked")]));
      const started = Date.now();
      await fx.store.stop(2_000);
      expect(Date.now() - started).toBeLessThan(2_000 + 2_500);
      await s.until(() => s.ended || s.error !== undefined, "the stream to end");
      expect(s.acked.get(id)).toBeUndefined();
    } finally {
      await server.start();
    }
  });
});
