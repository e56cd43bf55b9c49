/**
 * gRPC keepalive as configured in TRANSPORT (proto/src/server.ts), both ways round:
 * - a client pinging at the configured rate keeps an idle connection for several ping periods
 *   without being sent away (no GOAWAY too_many_pings, no reconnect) while the server pings it
 *   too. grpc-js servers do not police ping rates today; the client's rate (KEEPALIVE_TIME_MS)
 *   stays above MIN_PING_INTERVAL_MS so that a server or proxy that does would accept it;
 * - a stream whose peer stops answering (a blackholed link: the TCP connection stays open but
 *   nothing gets through) fails with UNAVAILABLE within the keepalive time plus its timeout,
 *   instead of hanging forever, which is why streams need no deadline.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { CLIENT_CHANNEL_OPTIONS, TRANSPORT, createLogger, startServer, type RunningServer } from "@ptykeep/proto";

/** Time given beyond the keepalive figures for timers and a loaded machine. */
const MARGIN_MS = 5_000;
/** Idle ping periods the connection must survive. */
const IDLE_PERIODS = 2.5;

const HEALTH_WATCH: grpc.MethodDefinition<Buffer, Buffer> = {
  path: "/grpc.health.v1.Health/Watch",
  requestStream: false,
  responseStream: true,
  // HealthCheckRequest{service: ""} encodes as zero bytes.
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ address: "127.0.0.1:0", services: [], log: createLogger("keepalive-test", "silent") });
});

afterAll(async () => {
  await server?.stop(0);
});

/** A TCP relay that can be frozen: sockets stay open, bytes stop flowing (a blackholed link). */
function startRelay(target: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(target, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    inbound.on("data", (d) => frozen || outbound.write(d));
    outbound.on("data", (d) => frozen || inbound.write(d));
    inbound.on("end", () => outbound.end());
    outbound.on("end", () => inbound.end());
  });
  return new Promise((resolve) => {
    relay.listen(0, "127.0.0.1", () => {
      resolve({
        port: (relay.address() as net.AddressInfo).port,
        freeze: () => {
          frozen = true;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            relay.close(() => done());
          }),
      });
    });
  });
}

describe("keepalive", () => {
  it("keeps an idle connection pinging at the configured rate, and notices a dead peer on an open stream", async () => {
    const idle = async () => {
      const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
      try {
        await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + MARGIN_MS, (err) => (err ? reject(err) : resolve())));
        const channel = client.getChannel();
        const states: grpc.connectivityState[] = [];
        const until = Date.now() + IDLE_PERIODS * TRANSPORT.KEEPALIVE_TIME_MS;
        // Record every state change until the idle period is over.
        for (let state = channel.getConnectivityState(false); Date.now() < until; ) {
          const changed = await new Promise<boolean>((resolve) => channel.watchConnectivityState(state, until, (err) => resolve(!err)));
          if (!changed) break;
          state = channel.getConnectivityState(false);
          states.push(state);
        }
        return { states, final: channel.getConnectivityState(false) };
      } finally {
        client.close();
      }
    };

    const deadPeer = async () => {
      const relay = await startRelay(server.port);
      const client = new grpc.Client(`127.0.0.1:${relay.port}`, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
      try {
        const stream = client.makeServerStreamRequest(HEALTH_WATCH.path, HEALTH_WATCH.requestSerialize, HEALTH_WATCH.responseDeserialize, Buffer.alloc(0));
        stream.on("error", () => {});
        const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
        // The first message (SERVING) proves the stream is open end to end.
        await new Promise<void>((resolve) => stream.once("data", () => resolve()));
        relay.freeze();
        const frozenAt = Date.now();
        const s = await status;
        return { code: s.code, ms: Date.now() - frozenAt };
      } finally {
        client.close();
        await relay.close();
      }
    };

    const [idleResult, deadResult] = await Promise.all([idle(), deadPeer()]);
    expect(idleResult.states, "connectivity changes while idle").toEqual([]);
    expect(idleResult.final).toBe(grpc.connectivityState.READY);
    expect(deadResult.code).toBe(grpc.status.UNAVAILABLE);
    expect(deadResult.ms).toBeLessThan(TRANSPORT.KEEPALIVE_TIME_MS + TRANSPORT.KEEPALIVE_TIMEOUT_MS + MARGIN_MS);
  }, IDLE_PERIODS * TRANSPORT.KEEPALIVE_TIME_MS + 2 * MARGIN_MS + TRANSPORT.KEEPALIVE_TIMEOUT_MS);
});
