/**
 * StoreLink against a scripted in-process store (a real gRPC server on loopback): lifecycle calls
 * in order and retried, chunks only after registration, MarkExited only once everything is
 * durable, resend from the last ack after the stream breaks, refusals.
 */
import { afterEach, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { Code, createLogger, createStoreClient, storeV1, uuidv7, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { StoreLink, type LinkedSession, type OutputChunk } from "./store-link.js";

const log = createLogger("store-link-test", "silent");

interface FakeOptions {
  /** RegisterSession fails with UNAVAILABLE this many times first. */
  registerFailures?: number;
  /** RegisterSession answers with this code instead. */
  registerCode?: number;
  /** The AppendOutput stream breaks after this many chunks (unacknowledged ones are lost). */
  breakEvery?: number;
  /** Chunks are answered with this rejection code. */
  rejectCode?: number;
  /**
   * The first stream stores this many chunks unacknowledged, then breaks (the acks are lost);
   * later streams answer every chunk, a duplicate too, with all the store holds.
   */
  silentThenBreakAt?: number;
}

/** A store that keeps chunks per session, checks contiguity, and logs what happened in order. */
class FakeStore {
  readonly events: string[] = [];
  readonly stored = new Map<string, Buffer[]>();
  duplicates = 0;
  breaks = 0;
  private registerFailures: number;
  private chunksOnStream = 0;
  server = new grpc.Server();
  port = 0;

  constructor(private readonly opts: FakeOptions) {
    this.registerFailures = opts.registerFailures ?? 0;
  }

  async start(): Promise<void> {
    const unary = (name: string, fn?: (req: { sessionId: string }) => number | undefined) => (call: grpc.ServerUnaryCall<{ sessionId: string }, object>, cb: grpc.sendUnaryData<object>) => {
      const code = fn?.(call.request);
      if (code !== undefined) return cb({ code, details: `${name} refused` });
      this.events.push(name);
      cb(null, {});
    };
    this.server.addService(storeV1.StoreService.service, {
      RegisterSession: unary("register", () => {
        if (this.registerFailures > 0) {
          this.registerFailures--;
          return Code.UNAVAILABLE;
        }
        return this.opts.registerCode;
      }),
      MarkRunning: unary("running"),
      UpdateSize: unary("size"),
      MarkExited: (call: grpc.ServerUnaryCall<StoreApi.MarkExitedRequest__Output, object>, cb: grpc.sendUnaryData<object>) => {
        this.events.push(`exited@${this.stored.get(call.request.sessionId)?.length ?? 0}/${call.request.finalSeq}`);
        cb(null, {});
      },
      AppendOutput: (call: grpc.ServerDuplexStream<StoreApi.AppendOutputRequest__Output, StoreApi.AppendOutputResponse>) => {
        let broken = false;
        call.on("data", (req: StoreApi.AppendOutputRequest__Output) => {
          if (broken) return;
          const c = req.chunk!;
          if (this.opts.rejectCode) {
            call.write({ sessionId: c.sessionId, rejection: { code: this.opts.rejectCode, message: "no such session", seq: c.seq } });
            return;
          }
          const silent = this.opts.silentThenBreakAt;
          if (silent !== undefined && this.breaks === 0) {
            const kept = this.stored.get(c.sessionId) ?? [];
            this.stored.set(c.sessionId, kept);
            kept.push(c.data);
            if (kept.length === silent) {
              broken = true;
              this.breaks++;
              call.emit("error", { code: Code.UNAVAILABLE, details: "store replica went away" });
            }
            return;
          }
          if (silent !== undefined) {
            const kept = this.stored.get(c.sessionId)!;
            if (c.seq <= kept.length) this.duplicates++;
            else if (c.seq === kept.length + 1) kept.push(c.data);
            else throw new Error(`gap: got seq ${c.seq} after ${kept.length}`);
            call.write({ sessionId: c.sessionId, durableSeq: kept.length });
            return;
          }
          if (this.opts.breakEvery && ++this.chunksOnStream % this.opts.breakEvery === 0) {
            broken = true;
            this.breaks++;
            call.emit("error", { code: Code.UNAVAILABLE, details: "store replica went away" });
            return;
          }
          const kept = this.stored.get(c.sessionId) ?? [];
          this.stored.set(c.sessionId, kept);
          if (c.seq <= kept.length) this.duplicates++;
          else if (c.seq === kept.length + 1) {
            if (kept.length === 0) this.events.push("first-chunk");
            kept.push(c.data);
          } else throw new Error(`gap: got seq ${c.seq} after ${kept.length}`);
          // Acks lag behind (every 5th chunk), as a batching store's do: a break then leaves
          // stored but unacknowledged chunks that the sender must resend.
          if (kept.length % 5 === 0) call.write({ sessionId: c.sessionId, durableSeq: kept.length });
        });
        call.on("end", () => call.end());
      },
    });
    this.port = await new Promise((resolve, reject) => this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

class FakeSession implements LinkedSession {
  readonly id = uuidv7();
  readonly chunks = new Map<number, OutputChunk>();
  durable = 0;
  /** Drop chunks from memory once durable, as a session whose ring is full does. */
  forgetDurable = false;
  unrecorded: string | undefined;
  private offset = 0;
  private waiters: Array<() => void> = [];

  /** Bytes of padding after each chunk's text (large chunks fill the stream's flow-control window). */
  padding = 0;

  add(seq: number): void {
    const data = Buffer.concat([Buffer.from(`chunk ${seq};`), Buffer.alloc(this.padding, 0x2e)]);
    this.chunks.set(seq, { seq, offset: this.offset, ts: Date.now(), data });
    this.offset += data.length;
  }

  chunkAt(seq: number): OutputChunk | undefined {
    return this.chunks.get(seq);
  }

  onDurable(seq: number): void {
    if (this.forgetDurable) for (let s = this.durable + 1; s <= seq; s++) this.chunks.delete(s);
    this.durable = seq;
    for (const w of this.waiters.splice(0)) w();
  }

  onUnrecorded(reason: string): void {
    this.unrecorded = reason;
  }

  async until(seq: number): Promise<void> {
    while (this.durable < seq) await new Promise<void>((r) => this.waiters.push(r));
  }
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

async function setup(opts: FakeOptions): Promise<{ fake: FakeStore; link: StoreLink; client: StoreServiceClient }> {
  const fake = new FakeStore(opts);
  await fake.start();
  const client = createStoreClient(`127.0.0.1:${fake.port}`);
  const link = new StoreLink({ client, log });
  cleanup.push(() => {
    link.stop();
    client.close();
    fake.stop();
  });
  return { fake, link, client };
}

const registration = (id: string): StoreApi.RegisterSessionRequest => ({ sessionId: id, command: "sh", args: [], cwd: "/", ptyNode: "n", rows: 24, cols: 80, labels: {}, envNames: [] });

describe("StoreLink", () => {
  it("registers first (retrying), sends chunks after it, and MarkExited only once all output is durable", async () => {
    const { fake, link } = await setup({ registerFailures: 2 });
    const session = new FakeSession();
    // The store is not answering yet: open() gives up waiting and keeps retrying behind the scenes.
    const channel = await link.open(session, registration(session.id), 10);
    for (let seq = 1; seq <= 50; seq++) {
      session.add(seq);
      channel.pushChunk(seq);
    }
    channel.markRunning(42);
    channel.updateSize({ rows: 30, cols: 100, atSeq: 50, changeNo: 1 });
    await channel.markExited({ exitCode: 0, signal: "", finalSeq: 50, ts: Date.now(), reason: "END_REASON_EXITED" });
    expect(fake.events.filter((e) => e !== "first-chunk")).toEqual(["register", "running", "size", "exited@50/50"]);
    expect(fake.events.indexOf("first-chunk")).toBeGreaterThan(fake.events.indexOf("register"));
    expect(Buffer.concat(fake.stored.get(session.id)!).toString()).toBe(Array.from({ length: 50 }, (_, i) => `chunk ${i + 1};`).join(""));
    expect(session.durable).toBe(50);
  });

  it("resends from the last ack after the stream breaks, so nothing is lost or stored twice", async () => {
    const { fake, link } = await setup({ breakEvery: 17 });
    const sessions = [new FakeSession(), new FakeSession()];
    const channels = await Promise.all(sessions.map((s) => link.open(s, registration(s.id), 1_000)));
    for (let seq = 1; seq <= 100; seq++) {
      sessions.forEach((s, i) => {
        s.add(seq);
        channels[i]!.pushChunk(seq);
      });
    }
    await Promise.all(sessions.map((s) => s.until(100)));
    for (const s of sessions) {
      const stored = fake.stored.get(s.id)!;
      expect(stored.length).toBe(100);
      expect(Buffer.concat(stored).toString()).toBe(Array.from({ length: 100 }, (_, i) => `chunk ${i + 1};`).join(""));
    }
    // The stream did break, and chunks were sent again (and dropped by the store).
    expect(fake.breaks).toBeGreaterThan(3);
    expect(fake.duplicates).toBeGreaterThan(0);
  }, 30_000);

  it("after a break, does not ask its session again for chunks the store acknowledges from the broken stream", async () => {
    // The store kept 1..200 from the first stream but its acks were lost; on the next stream the
    // resent seq 1 is answered with durable_seq 200, and the session drops 1..200 from memory.
    // The link must carry on at 201, not ask for chunks the session no longer holds.
    const { fake, link } = await setup({ silentThenBreakAt: 200 });
    const session = new FakeSession();
    session.forgetDurable = true;
    session.padding = 16 * 1024;
    const channel = await link.open(session, registration(session.id), 1_000);
    for (let seq = 1; seq <= 300; seq++) {
      session.add(seq);
      channel.pushChunk(seq);
    }
    await session.until(300);
    expect(fake.breaks).toBe(1);
    const expected = Array.from({ length: 300 }, (_, i) => `chunk ${i + 1};${".".repeat(session.padding)}`).join("");
    expect(Buffer.concat(fake.stored.get(session.id)!).toString()).toBe(expected);
  }, 30_000);

  it("throws a definite refusal of the registration from open()", async () => {
    const { link } = await setup({ registerCode: Code.ALREADY_EXISTS });
    const session = new FakeSession();
    await expect(link.open(session, registration(session.id), 2_000)).rejects.toMatchObject({ code: Code.ALREADY_EXISTS });
  });

  it("stops recording a session the store refuses, and counts its output as durable so nothing blocks", async () => {
    const { link } = await setup({ rejectCode: Code.NOT_FOUND });
    const session = new FakeSession();
    const channel = await link.open(session, registration(session.id), 1_000);
    session.add(1);
    channel.pushChunk(1);
    await session.until(1);
    expect(session.unrecorded).toMatch(/no such session/);
    session.add(2);
    channel.pushChunk(2);
    await session.until(2);
    await channel.markExited({ exitCode: 0, signal: "", finalSeq: 2, ts: Date.now(), reason: "END_REASON_EXITED" });
  });
});
