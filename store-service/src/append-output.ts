/**
 * One AppendOutput call: reads chunks, checks each (a malformed chunk means a broken sender and
 * ends the call with INVALID_ARGUMENT), hands them to the BatchWriter, and writes back the acks
 * and per-session rejections the writer produces after each COMMIT. The writer pauses and
 * resumes the call for back-pressure. When the sender half-closes, or the store shuts down, the
 * call ends once everything it delivered has been committed and acknowledged.
 */
import type * as grpc from "@grpc/grpc-js";
import { MAX_CHUNK_BYTES, invalidArgument, isUuid, timestampToMicros, type StoreApi } from "@ptykeep/proto";
import type { BatchWriter, WriterLink } from "./batch-writer.js";
import type { ChunkInsert } from "./sql/chunks.js";

/** An open AppendOutput call, as shutdown sees it. */
export interface AppendStream {
  /** Stops reading, waits until what was read is committed and acked (or the writer gave up), ends the call. */
  finish(): Promise<void>;
}

export interface AppendOutputDeps {
  writer: BatchWriter;
  /** Open calls, so shutdown can flush, ack and end them. */
  streams: Set<AppendStream>;
}

/** 9999-12-31T23:59:59Z: a bound well inside PostgreSQL's timestamptz range. */
const MAX_TS_SECONDS = 253_402_300_799;

/** Checks one chunk; a failure means a broken sender and ends the whole stream. */
function checkChunk(req: StoreApi.AppendOutputRequest__Output): ChunkInsert {
  const c = req.chunk;
  if (!c) throw invalidArgument("AppendOutput request without a chunk");
  const where = `chunk (session ${JSON.stringify(c.sessionId.slice(0, 64))}, seq ${c.seq})`;
  if (!c.sessionId || !isUuid(c.sessionId)) throw invalidArgument(`${where}: session_id is not a UUID`);
  if (!Number.isSafeInteger(c.seq) || c.seq < 1) throw invalidArgument(`${where}: seq must be 1 or more`);
  if (!Number.isSafeInteger(c.offset) || c.offset < 0) throw invalidArgument(`${where}: offset must be 0 or more`);
  if (!c.ts) throw invalidArgument(`${where}: ts is required`);
  // Outside what PostgreSQL's timestamptz holds, the row could never be written and would block
  // every flush behind it.
  if (!Number.isSafeInteger(c.ts.seconds) || c.ts.seconds < 0 || c.ts.seconds > MAX_TS_SECONDS || !Number.isInteger(c.ts.nanos) || c.ts.nanos < 0 || c.ts.nanos > 999_999_999) {
    throw invalidArgument(`${where}: ts must be between 1970-01-01 and 9999-12-31 with nanos 0..999999999`);
  }
  if (c.data.length > MAX_CHUNK_BYTES) throw invalidArgument(`${where}: data is ${c.data.length} bytes; the limit is ${MAX_CHUNK_BYTES} (split larger reads)`);
  return { sessionId: c.sessionId.toLowerCase(), seq: c.seq, offset: c.offset, tsMicros: timestampToMicros(c.ts), data: c.data };
}

export function appendOutput(
  deps: AppendOutputDeps,
  call: grpc.ServerDuplexStream<StoreApi.AppendOutputRequest__Output, StoreApi.AppendOutputResponse>,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let closing = false;
    // Acks are small and bounded by the chunks this stream sent, so they are written without
    // waiting for 'drain'; a write after the call ended is skipped.
    const send = (m: StoreApi.AppendOutputResponse) => {
      if (!finished && !call.cancelled && !call.writableEnded) call.write(m);
    };
    const link: WriterLink = deps.writer.attach({
      pause: () => call.pause(),
      resume: () => {
        if (!closing) call.resume();
      },
      ack: (sessionId, durableSeq) => send({ sessionId, durableSeq }),
      reject: (sessionId, r) => send({ sessionId, rejection: { code: r.code, message: r.message, seq: r.seq } }),
    });
    const end = (err?: unknown) => {
      if (finished) return;
      finished = true;
      link.detach();
      deps.streams.delete(stream);
      signal.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve();
    };
    const stream: AppendStream = {
      finish: async () => {
        closing = true;
        call.pause();
        await link.settled();
        end();
      },
    };
    deps.streams.add(stream);
    const onAbort = () => end();
    signal.addEventListener("abort", onAbort, { once: true });

    call.on("data", (req: StoreApi.AppendOutputRequest__Output) => {
      if (finished || closing) return;
      let chunk: ChunkInsert;
      try {
        chunk = checkChunk(req);
      } catch (err) {
        closing = true;
        call.pause();
        // Chunks read before the bad one are still written and acked before the stream ends.
        void link.settled().then(() => end(err));
        return;
      }
      link.push(chunk);
    });
    // The sender half-closed: finish what it sent, then end our side.
    call.on("end", () => void stream.finish());
  });
}
