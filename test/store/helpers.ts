/**
 * Helpers for the store-service tests: a store started in-process on a fresh database, a client,
 * and small promise wrappers around the calls the tests make.
 */
import { randomBytes } from "node:crypto";
import { expect, inject } from "vitest";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { callUnary, createStoreClient, toTimestamp, uuidv7, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";

export const DEADLINE_MS = 10_000;

export interface StoreFixture {
  store: RunningStore;
  client: StoreServiceClient;
  dbUrl: string;
  close(): Promise<void>;
}

/** A store on a database of its own; env overrides tune it (e.g. STORE_FLUSH_MS). */
export async function startStoreFixture(prefix: string, env: Record<string, string> = {}, dbUrl?: string): Promise<StoreFixture & { dropDb(): Promise<void> }> {
  const db = dbUrl ? { url: dbUrl, drop: async () => {} } : await createTestDatabase(inject("pgAdminUrl"), prefix);
  // These tests register sessions on made-up pty nodes and count raw rows: the reaper would mark
  // them lost and the compactor move their rows (test/history covers both), so both are off
  // unless a test asks for them; so is the screen snapshot job (test/screen drives it).
  const store = await startStoreService({
    config: loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", STORE_REAPER: "off", STORE_COMPACTOR: "off", STORE_SNAPSHOTTER: "off", ...env }),
  });
  const client = createStoreClient(store.address);
  return {
    store,
    client,
    dbUrl: db.url,
    close: async () => {
      client.close();
      await store.stop(2_000);
    },
    dropDb: () => db.drop(),
  };
}

/** A unary call by method name; the caller names the request and response types. */
export function unaryCall<Req, Res>(client: StoreServiceClient, method: keyof StoreServiceClient, req: Req): Promise<Res> {
  const byName: (c: StoreServiceClient, m: string, r: Req, o: { deadlineMs: number }) => Promise<Res> = callUnary as never;
  return byName(client, method, req, { deadlineMs: DEADLINE_MS });
}

export function register(client: StoreServiceClient, req: Partial<StoreApi.RegisterSessionRequest> = {}): Promise<StoreApi.RegisterSessionResponse__Output> {
  return unaryCall(client, "RegisterSession", {
    sessionId: uuidv7(),
    command: "bash",
    args: ["-l"],
    cwd: "/tmp",
    ptyNode: "127.0.0.1:50051",
    rows: 24,
    cols: 80,
    labels: {},
    envNames: [],
    ...req,
  });
}

/** The status code of a failed call (throws if the call succeeded). */
export async function codeOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error("expected the call to fail");
}

export function chunk(sessionId: string, seq: number, offset: number, data: Buffer, tsMs = Date.now()): StoreApi.AppendOutputRequest {
  return { chunk: { sessionId, seq, offset, ts: toTimestamp(tsMs), data } };
}

/** Builds chunks 1..n of a session from a list of buffers, with consistent offsets. */
export function chunksOf(sessionId: string, pieces: Buffer[], firstSeq = 1, firstOffset = 0): StoreApi.AppendOutputRequest[] {
  let offset = firstOffset;
  return pieces.map((data, i) => {
    const c = chunk(sessionId, firstSeq + i, offset, data);
    offset += data.length;
    return c;
  });
}

/** An AppendOutput stream that records every response and lets tests wait for conditions. */
export class AppendStream {
  readonly responses: StoreApi.AppendOutputResponse__Output[] = [];
  readonly acked = new Map<string, number>();
  error: grpc.ServiceError | undefined;
  ended = false;
  private waiters: Array<() => void> = [];
  readonly call: grpc.ClientDuplexStream<StoreApi.AppendOutputRequest, StoreApi.AppendOutputResponse__Output>;

  constructor(client: StoreServiceClient) {
    this.call = client.AppendOutput();
    this.call.on("data", (r: StoreApi.AppendOutputResponse__Output) => {
      this.responses.push(r);
      if (!r.rejection) this.acked.set(r.sessionId, Math.max(this.acked.get(r.sessionId) ?? 0, r.durableSeq));
      this.notify();
    });
    this.call.on("error", (e: grpc.ServiceError) => {
      this.error = e;
      this.notify();
    });
    this.call.on("end", () => {
      this.ended = true;
      this.notify();
    });
    // Reading to the end is needed for 'end' to fire.
    this.call.on("status", () => this.notify());
  }

  write(reqs: StoreApi.AppendOutputRequest[]): void {
    for (const r of reqs) this.call.write(r);
  }

  /** Resolves when cond() holds, re-checked on every event; fails after timeoutMs. */
  until(cond: () => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; responses: ${JSON.stringify(this.responses.slice(-5))}, error: ${this.error?.message}`));
      }, timeoutMs);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  untilAcked(sessionId: string, seq: number, timeoutMs?: number): Promise<void> {
    return this.until(() => (this.acked.get(sessionId) ?? 0) >= seq, `ack of ${sessionId} seq ${seq}`, timeoutMs);
  }

  rejections(sessionId?: string): StoreApi.ChunkRejection__Output[] {
    return this.responses.filter((r) => r.rejection && (!sessionId || r.sessionId === sessionId)).map((r) => r.rejection!);
  }

  close(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** A whole ReadHistory replay, as a list of events. */
export function readHistory(client: StoreServiceClient, req: Partial<StoreApi.ReadHistoryRequest> & { sessionId: string }): Promise<StoreApi.ReadHistoryResponse__Output[]> {
  return new Promise((resolve, reject) => {
    const events: StoreApi.ReadHistoryResponse__Output[] = [];
    const stream = client.ReadHistory({ fromSeq: 0, toSeq: 0, ...req }, { deadline: Date.now() + DEADLINE_MS * 3 });
    stream.on("data", (e: StoreApi.ReadHistoryResponse__Output) => events.push(e));
    stream.on("error", reject);
    stream.on("end", () => resolve(events));
  });
}

/** Raw rows of a session in output_chunks, and how many distinct seqs they hold (equal: no duplicate). */
export async function storedChunkCounts(dbUrl: string, sessionId: string): Promise<{ n: number; d: number }> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const { rows } = await c.query("SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d FROM output_chunks WHERE session_id = $1", [sessionId]);
    return rows[0] as { n: number; d: number };
  } finally {
    await c.end();
  }
}

export function historyBytes(events: StoreApi.ReadHistoryResponse__Output[]): Buffer {
  return Buffer.concat(events.filter((e) => e.output).map((e) => e.output!.data));
}

export function historyEnd(events: StoreApi.ReadHistoryResponse__Output[]): StoreApi.HistoryEnd__Output {
  const end = events[events.length - 1]?.end;
  if (!end) throw new Error(`replay did not finish with an end event: ${JSON.stringify(events.map((e) => e.event))}`);
  return end;
}

/** Every connection a pool of at most 2 hands out works: both are taken at once and queried. */
export async function everyConnectionWorks(pool: pg.Pool): Promise<void> {
  const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
  try {
    for (const c of [a, b]) expect((await c.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
  } finally {
    a.release();
    b.release();
  }
}

/** Before a PostgreSQL outage: a session with 60 random chunks to send, the first 20 sent and acknowledged on an open stream. */
export async function outageSession(fx: StoreFixture): Promise<{ id: string; pieces: Buffer[]; reqs: StoreApi.AppendOutputRequest[]; s: AppendStream }> {
  const id = (await register(fx.client)).session!.sessionId;
  const pieces = Array.from({ length: 60 }, () => randomBytes(1 + Math.floor(Math.random() * 5000)));
  const reqs = chunksOf(id, pieces);
  const s = new AppendStream(fx.client);
  s.write(reqs.slice(0, 20));
  await s.untilAcked(id, 20);
  return { id, pieces, reqs, s };
}

/**
 * After the outage (chunks 21-40 sent during it): resends 31-40 (as a sender that reconnected
 * would) and sends 41-60; all are acknowledged, the history is exact with each chunk stored once,
 * and unary calls work again.
 */
export async function resendAfterOutage(fx: StoreFixture, o: { id: string; pieces: Buffer[]; reqs: StoreApi.AppendOutputRequest[]; s: AppendStream }): Promise<void> {
  o.s.write(o.reqs.slice(30, 60));
  await o.s.untilAcked(o.id, 60, 30_000);
  expect(o.s.error).toBeUndefined();
  o.s.close();

  const events = await readHistory(fx.client, { sessionId: o.id });
  expect(historyBytes(events).equals(Buffer.concat(o.pieces))).toBe(true);
  expect(await storedChunkCounts(fx.dbUrl, o.id)).toEqual({ n: 60, d: 60 });
  await unaryCall(fx.client, "MarkRunning", { sessionId: o.id, pid: 99 });
}
