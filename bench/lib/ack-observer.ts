/**
 * A pass-through StoreService that sits between a pty-service and the real store and notes, for
 * every output chunk, its timestamp and when the ack covering it came back. That gives the
 * durable lag (chunk ts -> ack seen by the pty-service side) per chunk without any hook in the
 * services. The extra hop only adds to the lag, so figures measured through it are conservative.
 */
import * as grpc from "@grpc/grpc-js";
import { createStoreClient, storeV1, timestampToMs, type StoreApi } from "@ptykeep/proto";

/** How long stop() lets open calls finish before cutting them. */
const SHUTDOWN_GRACE_MS = 2_000;

interface Pending {
  seq: number;
  tsMs: number;
  arrivedMs: number;
}

export interface AckObserver {
  address: string;
  /** Lag samples in ms (ack received - chunk ts), one per chunk acknowledged so far. */
  lagsMs: number[];
  /** The part of each lag spent before the chunk reached the store (arrival here - chunk ts)… */
  sendLagsMs: number[];
  /** …and the part from its arrival to its ack (the store's share). */
  storeLagsMs: number[];
  /** Chunk timestamps (ms since the epoch), in the order of lagsMs: when each lag happened. */
  chunkTsMs: number[];
  /** Chunks seen going to the store, and bytes. */
  chunks: number;
  bytes: number;
  /** Acks and rejections seen coming back. */
  rejections: number;
  stop(): Promise<void>;
}

export async function startAckObserver(storeAddress: string): Promise<AckObserver> {
  const upstream = createStoreClient(storeAddress);
  const server = new grpc.Server();
  const pendingBySession = new Map<string, Pending[]>();
  const observer: AckObserver = { address: "", lagsMs: [], sendLagsMs: [], storeLagsMs: [], chunkTsMs: [], chunks: 0, bytes: 0, rejections: 0, stop: async () => {} };
  const definition = storeV1.StoreService.service;
  const up = upstream as unknown as Record<string, (...args: unknown[]) => unknown>;
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    if (!method.requestStream && !method.responseStream) {
      impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        up[name]!.call(upstream, call.request, call.metadata, { deadline: call.getDeadline() }, cb);
      };
    } else if (!method.requestStream) {
      impl[name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const s = up[name]!.call(upstream, call.request, call.metadata) as grpc.ClientReadableStream<unknown>;
        s.on("data", (m) => call.write(m));
        s.on("end", () => call.end());
        s.on("error", (err: grpc.ServiceError) => call.destroy(err));
        call.on("cancelled", () => s.cancel());
      };
    }
  }
  impl.AppendOutput = (call: grpc.ServerDuplexStream<StoreApi.AppendOutputRequest__Output, StoreApi.AppendOutputResponse__Output>) => {
    const s = upstream.AppendOutput(call.metadata);
    call.on("data", (req: StoreApi.AppendOutputRequest__Output) => {
      const c = req.chunk;
      if (c) {
        observer.chunks++;
        observer.bytes += c.data.length;
        const list = pendingBySession.get(c.sessionId) ?? [];
        list.push({ seq: Number(c.seq), tsMs: timestampToMs(c.ts) ?? Date.now(), arrivedMs: Date.now() });
        pendingBySession.set(c.sessionId, list);
      }
      s.write(req);
    });
    call.on("end", () => s.end());
    call.on("cancelled", () => s.cancel());
    s.on("data", (res: StoreApi.AppendOutputResponse__Output) => {
      const now = Date.now();
      if (res.rejection) observer.rejections++;
      const list = pendingBySession.get(res.sessionId);
      if (list) {
        let i = 0;
        while (i < list.length && list[i]!.seq <= Number(res.durableSeq)) {
          const p = list[i]!;
          observer.lagsMs.push(now - p.tsMs);
          observer.chunkTsMs.push(p.tsMs);
          observer.sendLagsMs.push(p.arrivedMs - p.tsMs);
          observer.storeLagsMs.push(now - p.arrivedMs);
          i++;
        }
        list.splice(0, i);
      }
      call.write(res);
    });
    s.on("end", () => call.end());
    s.on("error", (err: grpc.ServiceError) => call.destroy(err));
  };
  server.addService(definition, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  observer.address = `127.0.0.1:${port}`;
  observer.stop = async () => {
    // Streams the pty-service keeps open would hold a graceful shutdown: bounded, then forced.
    await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
    server.forceShutdown();
    upstream.close();
  };
  return observer;
}
