/**
 * StoreService handlers: each validates its request, calls the module that does the work
 * (sessions.ts, history.ts, append-output.ts) and maps the result to the contract. Errors are
 * ServiceErrors, mapped to gRPC status in one place (@ptykeep/proto errors.ts).
 */
import type pg from "pg";
import { bidiStream, invalidArgument, serverStream, timestampToMicros, unary, validate, writeMessage, type Logger, type StoreApi } from "@ptykeep/proto";
import type { StoreMetrics } from "./metrics.js";
import { appendOutput, type AppendStream } from "./append-output.js";
import type { BatchWriter } from "./batch-writer.js";
import { replayHistory } from "./history.js";
import { sessionToProto, stateFromProto } from "./mapping.js";
import * as sessions from "./sessions.js";

export type { AppendStream } from "./append-output.js";

export interface ServiceDeps {
  pool: pg.Pool;
  writer: BatchWriter;
  log: Logger;
  /** Open AppendOutput streams, so shutdown can flush, ack and end them. */
  streams: Set<AppendStream>;
  /** Counts unreadable screen snapshots met while serving. */
  metrics?: StoreMetrics;
}

export function storeHandlers(deps: ServiceDeps): StoreApi.StoreServiceHandlers {
  const { pool, log } = deps;
  return {
    RegisterSession: unary<StoreApi.RegisterSessionRequest__Output, StoreApi.RegisterSessionResponse>("RegisterSession", log, async (req) => {
      const row = await sessions.register(pool, {
        sessionId: validate.sessionId(req.sessionId),
        command: validate.text(req.command, "command", { max: LIMITS.MAX_COMMAND_BYTES, required: true }),
        args: validate.args(req.args),
        cwd: validate.text(req.cwd, "cwd", { max: LIMITS.MAX_CWD_BYTES }),
        ptyNode: validate.text(req.ptyNode, "pty_node", { max: LIMITS.MAX_NODE_BYTES, required: true }),
        rows: validate.terminalDim(req.rows, "rows"),
        cols: validate.terminalDim(req.cols, "cols"),
        labels: validate.labels(req.labels),
        envNames: envNames(req.envNames),
      });
      return { session: sessionToProto(row) };
    }),

    MarkRunning: unary<StoreApi.MarkRunningRequest__Output, StoreApi.MarkRunningResponse>("MarkRunning", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      if (!Number.isInteger(req.pid) || req.pid < 1) throw invalidArgument(`pid must be 1 or more, got ${req.pid}`);
      await sessions.markRunning(pool, sessionId, req.pid);
      return {};
    }),

    MarkExited: unary<StoreApi.MarkExitedRequest__Output, StoreApi.MarkExitedResponse>("MarkExited", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      const state = req.reason === "END_REASON_EXITED" ? "exited" : req.reason === "END_REASON_KILLED" ? "killed" : undefined;
      if (!state) throw invalidArgument(`reason must be END_REASON_EXITED or END_REASON_KILLED, got ${req.reason}`);
      await sessions.markEnded(pool, {
        sessionId,
        state,
        // proto3 `optional`: presence shows in the synthetic oneof.
        exitCode: req._exitCode === "exitCode" && req.exitCode !== undefined ? req.exitCode : null,
        signal: validate.text(req.signal, "signal", { max: LIMITS.MAX_SIGNAL_BYTES }),
        finalSeq: validate.nonNegative(req.finalSeq, "final_seq"),
        endedAtMicros: req.endedAt ? validTimestampMicros(req.endedAt, "ended_at") : null,
      });
      return {};
    }),

    UpdateSize: unary<StoreApi.UpdateSizeRequest__Output, StoreApi.UpdateSizeResponse>("UpdateSize", log, async (req) => {
      await sessions.updateSize(pool, {
        sessionId: validate.sessionId(req.sessionId),
        rows: validate.terminalDim(req.rows, "rows"),
        cols: validate.terminalDim(req.cols, "cols"),
        atSeq: validate.nonNegative(req.atSeq, "at_seq"),
        changeNo: validate.positiveSeq(req.changeNo, "change_no"),
      });
      return {};
    }),

    GetSession: unary<StoreApi.GetSessionRequest__Output, StoreApi.GetSessionResponse>("GetSession", log, async (req) => {
      const sessionId = validate.sessionId(req.sessionId);
      const row = await sessions.getOrThrow(pool, sessionId);
      return { session: sessionToProto(row, (await sessions.latestUnreachable(pool, [row])).get(row.session_id)) };
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
      const { rows, more } = await sessions.listPage(pool, { states, ptyNode, labels, beforeId }, pageSize);
      const last = rows[rows.length - 1];
      const unreachable = await sessions.latestUnreachable(pool, rows);
      return { sessions: rows.map((r) => sessionToProto(r, unreachable.get(r.session_id))), nextPageToken: more && last ? encodePageToken(last.session_id) : "" };
    }),

    DeleteSession: unary<StoreApi.DeleteSessionRequest__Output, StoreApi.DeleteSessionResponse>("DeleteSession", log, async (req) => {
      await sessions.remove(pool, validate.sessionId(req.sessionId), req.force);
      return {};
    }),

    ReadHistory: serverStream<StoreApi.ReadHistoryRequest__Output, StoreApi.ReadHistoryResponse>("ReadHistory", log, async (req, call, ctx) => {
      const sessionId = validate.sessionId(req.sessionId);
      const fromSeq = validate.nonNegative(req.fromSeq, "from_seq");
      const toSeq = validate.nonNegative(req.toSeq, "to_seq");
      const screenAtSeq = validate.nonNegative(req.screenAtSeq, "screen_at_seq");
      if (req.fromScreen && fromSeq !== 0) throw invalidArgument(`from_seq must be 0 with from_screen (got ${fromSeq}): the replay starts right after the snapshot`);
      if (!req.fromScreen && screenAtSeq !== 0) throw invalidArgument(`screen_at_seq ${screenAtSeq} needs from_screen set`);
      const fromScreen = req.fromScreen ? { atSeq: screenAtSeq, log, metrics: deps.metrics } : undefined;
      await replayHistory({ pool, sessionId, fromSeq, toSeq, signal: ctx.signal, send: (m) => writeMessage(call, m, ctx.signal), ...(fromScreen ? { fromScreen } : {}) });
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

/** A timestamp PostgreSQL's timestamptz holds, as integer microseconds. */
function validTimestampMicros(ts: { seconds: number | string; nanos: number }, field: string): number {
  const seconds = Number(ts.seconds);
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > MAX_TS_SECONDS || !Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999) {
    throw invalidArgument(`${field} must be between 1970-01-01 and 9999-12-31 with nanos 0..999999999`);
  }
  return timestampToMicros(ts);
}

/** 9999-12-31T23:59:59Z: a bound well inside PostgreSQL's timestamptz range. */
const MAX_TS_SECONDS = 253_402_300_799;

function envNames(names: string[]): string[] {
  if (names.length > LIMITS.MAX_ENV_VARS) throw invalidArgument(`env_names has ${names.length} entries; the limit is ${LIMITS.MAX_ENV_VARS}`);
  names.forEach((n, i) => validate.envName(n, `env_names[${i}]`));
  return names;
}

