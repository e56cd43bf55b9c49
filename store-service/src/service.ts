/**
 * StoreService handlers: each validates its request, calls the module that does the work and
 * maps the result to the contract. Errors are ServiceErrors, mapped to gRPC status in one place
 * (@ptykeep/proto errors.ts).
 */
import type * as grpc from "@grpc/grpc-js";
import type pg from "pg";
import {
  Code,
  MAX_CHUNK_BYTES,
  alreadyExists,
  bidiStream,
  failedPrecondition,
  invalidArgument,
  notFound,
  serverStream,
  unary,
  validate,
  isUuid,
  writeMessage,
  type Logger,
  type StoreApi,
} from "@ptykeep/proto";
import type { BatchWriter, WriterLink } from "./batch-writer.js";
import { replayHistory } from "./history.js";
import { ENDED_STATES, sessionToProto, stateFromProto, timestampToMicros } from "./mapping.js";
import { withTransaction } from "./db/pool.js";
import * as sessions from "./sql/sessions.js";
import { insertSizeEvent } from "./sql/size-events.js";
import type { ChunkInsert } from "./sql/chunks.js";

export interface ServiceDeps {
  pool: pg.Pool;
  writer: BatchWriter;
  log: Logger;
  /** Open AppendOutput streams, so shutdown can flush, ack and end them. */
  streams: Set<AppendStream>;
}

/** An open AppendOutput call, as shutdown sees it. */
export interface AppendStream {
  /** Stops reading, waits until what was read is committed and acked (or the writer gave up), ends the call. */
  finish(): Promise<void>;
}

export function storeHandlers(deps: ServiceDeps): StoreApi.StoreServiceHandlers {
  const { pool, log } = deps;
  return {
    RegisterSession: unary<StoreApi.RegisterSessionRequest__Output, StoreApi.RegisterSessionResponse>("RegisterSession", log, async (req) => {
      const s: sessions.NewSession = {
        sessionId: validate.sessionId(req.sessionId),
        command: validate.text(req.command, "command", { max: LIMITS.MAX_COMMAND_BYTES, required: true }),
        args: validate.args(req.args),
        cwd: validate.text(req.cwd, "cwd", { max: LIMITS.MAX_CWD_BYTES }),
        ptyNode: validate.text(req.ptyNode, "pty_node", { max: LIMITS.MAX_NODE_BYTES, required: true }),
        rows: validate.terminalDim(req.rows, "rows"),
        cols: validate.terminalDim(req.cols, "cols"),
        labels: validate.labels(req.labels),
        envNames: envNames(req.envNames),
      };
      const inserted = await sessions.insertSession(pool, s);
      if (inserted) return { session: sessionToProto(inserted) };
      // Idempotent on id: a retry of the same registration gets the stored session back.
      const existing = await sessions.getSession(pool, s.sessionId);
      if (!existing) throw new Error(`session ${s.sessionId} vanished during registration`);
      if (existing.command !== s.command) {
        throw alreadyExists(`session ${s.sessionId} is already registered with a different command (${JSON.stringify(existing.command)})`);
      }
      if (existing.pty_node !== s.ptyNode) {
        throw alreadyExists(`session ${s.sessionId} is already registered on a different pty_node (${JSON.stringify(existing.pty_node)})`);
      }
      return { session: sessionToProto(existing) };
    }),

    MarkRunning: unary<StoreApi.MarkRunningRequest__Output, StoreApi.MarkRunningResponse>("MarkRunning", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      if (!Number.isInteger(req.pid) || req.pid < 1) throw invalidArgument(`pid must be 1 or more, got ${req.pid}`);
      await withTransaction(pool, async (db) => {
        const row = await sessions.getSession(db, sessionId, { forUpdate: true });
        if (!row) throw notFound(`session ${sessionId} not found`);
        if (ENDED_STATES.has(row.state)) throw failedPrecondition(`session ${sessionId} has already ended (${row.state}); it cannot start running`);
        if (row.state === "starting") await sessions.setRunning(db, sessionId, req.pid);
      });
      return {};
    }),

    MarkExited: unary<StoreApi.MarkExitedRequest__Output, StoreApi.MarkExitedResponse>("MarkExited", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      const state = req.reason === "END_REASON_EXITED" ? "exited" : req.reason === "END_REASON_KILLED" ? "killed" : undefined;
      if (!state) throw invalidArgument(`reason must be END_REASON_EXITED or END_REASON_KILLED, got ${req.reason}`);
      const finalSeq = validate.nonNegative(req.finalSeq, "final_seq");
      const signal = validate.text(req.signal, "signal", { max: LIMITS.MAX_SIGNAL_BYTES });
      const exitCode = req._exitCode === "exitCode" && req.exitCode !== undefined ? req.exitCode : null;
      await withTransaction(pool, async (db) => {
        const row = await sessions.getSession(db, sessionId, { forUpdate: true });
        if (!row) throw notFound(`session ${sessionId} not found`);
        if (row.state === "exited" || row.state === "killed") {
          const same = row.state === state && row.final_seq === finalSeq && row.exit_code === exitCode && row.exit_signal === signal;
          if (same) return;
          throw failedPrecondition(`session ${sessionId} already ended (${row.state}, final seq ${row.final_seq}) with a different record`);
        }
        // A LOST session is accepted too: the reaper declared it lost, but an exact record of how it
        // ended is worth more than "lost", so the late report wins.
        if (finalSeq < row.max_seq) throw failedPrecondition(`final_seq ${finalSeq} is below output already stored for session ${sessionId} (seq ${row.max_seq})`);
        await sessions.setEnded(db, { sessionId, state, exitCode, signal, finalSeq });
      });
      return {};
    }),

    UpdateSize: unary<StoreApi.UpdateSizeRequest__Output, StoreApi.UpdateSizeResponse>("UpdateSize", log, async (req) => {
      const change = {
        sessionId: validate.sessionId(req.sessionId),
        rows: validate.terminalDim(req.rows, "rows"),
        cols: validate.terminalDim(req.cols, "cols"),
        atSeq: validate.nonNegative(req.atSeq, "at_seq"),
        changeNo: validate.positiveSeq(req.changeNo, "change_no"),
      };
      await withTransaction(pool, async (db) => {
        const row = await sessions.getSession(db, change.sessionId, { forUpdate: true });
        if (!row) throw notFound(`session ${change.sessionId} not found`);
        await insertSizeEvent(db, change);
        await sessions.setSizeIfNewer(db, change);
      });
      return {};
    }),

    GetSession: unary<StoreApi.GetSessionRequest__Output, StoreApi.GetSessionResponse>("GetSession", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      const row = await sessions.getSession(pool, sessionId);
      if (!row) throw notFound(`session ${sessionId} not found`);
      return { session: sessionToProto(row) };
    }),

    ListSessions: unary<StoreApi.ListSessionsRequest__Output, StoreApi.ListSessionsResponse>("ListSessions", log, async (req) => {
      const states = req.states.map((s, i) => {
        const name = stateFromProto(s);
        if (!name) throw invalidArgument(`states[${i}] ${JSON.stringify(s)} is not a session state`);
        return name;
      });
      const ptyNode = req.ptyNode ? validate.text(req.ptyNode, "pty_node", { max: LIMITS.MAX_NODE_BYTES }) : undefined;
      const labels = validate.labels(req.labels);
      const pageSize = req.pageSize === 0 ? LIST_DEFAULT_PAGE_SIZE : req.pageSize;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIST_MAX_PAGE_SIZE) {
        throw invalidArgument(`page_size must be between 1 and ${LIST_MAX_PAGE_SIZE} (0 means ${LIST_DEFAULT_PAGE_SIZE}), got ${req.pageSize}`);
      }
      const beforeId = req.pageToken ? decodePageToken(req.pageToken) : undefined;
      // One row more than asked tells whether another page follows.
      const rows = await sessions.listSessions(pool, { states, ptyNode, labels, beforeId, limit: pageSize + 1 });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return { sessions: page.map(sessionToProto), nextPageToken: rows.length > pageSize && last ? encodePageToken(last.session_id) : "" };
    }),

    DeleteSession: unary<StoreApi.DeleteSessionRequest__Output, StoreApi.DeleteSessionResponse>("DeleteSession", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      await withTransaction(pool, async (db) => {
        // The row lock also waits for a flush writing this session: chunks after the delete find
        // no session and are refused NOT_FOUND.
        const row = await sessions.getSession(db, sessionId, { forUpdate: true });
        if (!row) throw notFound(`session ${sessionId} not found`);
        if (!ENDED_STATES.has(row.state) && !req.force) throw failedPrecondition(`session ${sessionId} is ${row.state}; end it first or pass force`);
        await sessions.deleteSessionCascade(db, sessionId);
      });
      return {};
    }),

    ReadHistory: serverStream<StoreApi.ReadHistoryRequest__Output, StoreApi.ReadHistoryResponse>("ReadHistory", log, async (req, call, ctx) => {
      const sessionId = validate.sessionId(req.sessionId);
      const fromSeq = validate.nonNegative(req.fromSeq, "from_seq");
      const toSeq = validate.nonNegative(req.toSeq, "to_seq");
      await replayHistory({ pool, sessionId, fromSeq, toSeq, signal: ctx.signal, send: (m) => writeMessage(call, m, ctx.signal) });
    }),

    AppendOutput: bidiStream<StoreApi.AppendOutputRequest__Output, StoreApi.AppendOutputResponse>("AppendOutput", log, (call, ctx) => appendOutput(deps, call, ctx.signal)),
  };
}

const LIMITS = Object.freeze({
  ...validate.REQUEST_LIMITS,
  /** Signal names such as "SIGKILL"; the longest real one is far shorter. */
  MAX_SIGNAL_BYTES: 32,
});

/** Page sizes of ListSessions. */
const LIST_DEFAULT_PAGE_SIZE = 100;
const LIST_MAX_PAGE_SIZE = 1000;

/** A page token is the last session id of the previous page, base64url-encoded (opaque to callers). */
function encodePageToken(sessionId: string): string {
  return Buffer.from(sessionId, "utf8").toString("base64url");
}

function decodePageToken(token: string): string {
  const bad = () => invalidArgument("page_token is not a token returned by ListSessions; pass next_page_token unchanged");
  if (token.length > 64 || !/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  const id = Buffer.from(token, "base64url").toString("utf8");
  try {
    return validate.sessionId(id, "page_token");
  } catch {
    throw bad();
  }
}

function envNames(names: string[]): string[] {
  if (names.length > LIMITS.MAX_ENV_VARS) throw invalidArgument(`env_names has ${names.length} entries; the limit is ${LIMITS.MAX_ENV_VARS}`);
  names.forEach((n, i) => validate.envName(n, `env_names[${i}]`));
  return names;
}

/** Checks one chunk; a failure means a broken sender and ends the whole stream. */
function checkChunk(req: StoreApi.AppendOutputRequest__Output): ChunkInsert {
  const c = req.chunk;
  if (!c) throw invalidArgument("AppendOutput request without a chunk");
  const where = `chunk (session ${JSON.stringify(c.sessionId.slice(0, 64))}, seq ${c.seq})`;
  if (!c.sessionId || !isUuid(c.sessionId)) throw invalidArgument(`${where}: session_id is not a UUID`);
  if (!Number.isSafeInteger(c.seq) || c.seq < 1) throw invalidArgument(`${where}: seq must be 1 or more`);
  if (!Number.isSafeInteger(c.offset) || c.offset < 0) throw invalidArgument(`${where}: offset must be 0 or more`);
  if (!c.ts) throw invalidArgument(`${where}: ts is required`);
  if (c.data.length > MAX_CHUNK_BYTES) throw invalidArgument(`${where}: data is ${c.data.length} bytes; the limit is ${MAX_CHUNK_BYTES} (split larger reads)`);
  return { sessionId: c.sessionId.toLowerCase(), seq: c.seq, offset: c.offset, tsMicros: timestampToMicros(c.ts), data: c.data };
}

function appendOutput(
  deps: ServiceDeps,
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

// Re-exported for tests that check rejection codes.
export { Code };
