/**
 * Feeding the store directly, as a pty-service would: register a session, stream chunks over
 * one AppendOutput call with backpressure, and resolve when the last one is acknowledged.
 * Used where the measured thing is the store (append cost, ingest), not the PTY.
 */
import { toTimestamp, uuidv7, type StoreServiceClient } from "@ptykeep/proto";
import { rpc } from "./util.js";

/**
 * pty_node of sessions registered by the suite itself: a loopback port nothing listens on, so
 * nothing that asks about their liveness finds a pty-service that would call them unknown.
 */
const SUITE_PTY_NODE = "127.0.0.1:1";
/** Appending a few hundred MB on a busy machine: beyond this something is broken. */
const APPEND_TIMEOUT_MS = 300_000;

export interface StoreSession {
  sessionId: string;
  nextSeq: number;
  nextOffset: number;
}

export async function registerStoreSession(client: StoreServiceClient): Promise<StoreSession> {
  const sessionId = uuidv7();
  await rpc(client, "RegisterSession", { sessionId, command: "bench", ptyNode: SUITE_PTY_NODE, rows: 24, cols: 80 });
  await rpc(client, "MarkRunning", { sessionId, pid: 1 });
  return { sessionId, nextSeq: 1, nextOffset: 0 };
}

/** Appends data in chunks of chunkBytes; resolves with the ms from first write to last ack. */
export async function appendChunks(client: StoreServiceClient, session: StoreSession, data: Buffer, chunkBytes: number): Promise<number> {
  const n = Math.ceil(data.length / chunkBytes);
  const lastSeq = session.nextSeq + n - 1;
  const stream = client.AppendOutput();
  const acked = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`append not acknowledged within ${APPEND_TIMEOUT_MS} ms`)), APPEND_TIMEOUT_MS);
    stream.on("data", (r) => {
      if (r.rejection) {
        clearTimeout(timer);
        reject(new Error(`chunk refused: ${r.rejection.message}`));
      } else if (Number(r.durableSeq) >= lastSeq) {
        clearTimeout(timer);
        resolve();
      }
    });
    stream.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const started = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const writeMore = () => {
      while (i < n) {
        const piece = data.subarray(i * chunkBytes, Math.min(data.length, (i + 1) * chunkBytes));
        const ok = stream.write({ chunk: { sessionId: session.sessionId, seq: session.nextSeq, offset: session.nextOffset, ts: toTimestamp(Date.now()), data: piece } });
        session.nextSeq++;
        session.nextOffset += piece.length;
        i++;
        if (!ok) return void stream.once("drain", writeMore);
      }
      resolve();
    };
    writeMore();
  });
  try {
    await acked;
  } finally {
    stream.end();
  }
  return performance.now() - started;
}
