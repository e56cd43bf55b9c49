/** Conversions between database rows and contract messages (states, sessions, timestamps). */
import { SESSION_STATE_ENUM, dateToTimestamp, sessionStateName, type StoreApi } from "@ptykeep/proto";
import type { SessionRow, SessionStateName } from "./sql/sessions.js";
import type { UnreachableRow } from "./sql/unreachable.js";

type ProtoState = StoreApi.SessionState__Output;

export function stateToProto(state: SessionStateName): ProtoState {
  return SESSION_STATE_ENUM[state];
}

/** The database name of a contract state, or undefined for UNSPECIFIED and unknown values. */
export function stateFromProto(state: string): SessionStateName | undefined {
  return sessionStateName(state);
}

export const ENDED_STATES: ReadonlySet<SessionStateName> = new Set(["exited", "killed", "lost"]);

/** The contract's outcome of an interval (UNSPECIFIED: still open). */
const OUTCOME_TO_PROTO = {
  recovered: "UNREACHABLE_OUTCOME_RECOVERED",
  ended: "UNREACHABLE_OUTCOME_ENDED",
  gone: "UNREACHABLE_OUTCOME_GONE",
} as const;

export function unreachableToProto(u: UnreachableRow): StoreApi.UnreachableInterval {
  return {
    ptyNode: u.pty_node,
    since: dateToTimestamp(u.since),
    lostAt: dateToTimestamp(u.lost_at),
    endedAt: dateToTimestamp(u.ended_at),
    atSeq: u.at_seq,
    reason: u.reason,
    outcome: u.outcome ? OUTCOME_TO_PROTO[u.outcome] : "UNREACHABLE_OUTCOME_UNSPECIFIED",
    recheckUntil: dateToTimestamp(u.recheck_until),
  };
}

/** A session's record; `unreachable` is its latest unreachable interval, if it had one. */
export function sessionToProto(row: SessionRow, unreachable?: UnreachableRow): StoreApi.Session {
  return {
    sessionId: row.session_id,
    command: row.command,
    args: row.args,
    cwd: row.cwd,
    ptyNode: row.pty_node,
    rows: row.rows,
    cols: row.cols,
    labels: row.labels,
    envNames: row.env_names,
    state: stateToProto(row.state),
    pid: row.pid,
    ...(row.exit_code === null ? {} : { exitCode: row.exit_code }),
    exitSignal: row.exit_signal,
    endReason: row.end_reason,
    createdAt: dateToTimestamp(row.created_at),
    startedAt: dateToTimestamp(row.started_at),
    endedAt: dateToTimestamp(row.ended_at),
    durableSeq: row.durable_seq,
    durableBytes: row.durable_bytes,
    finalSeq: row.final_seq ?? 0,
    firstKeptSeq: row.first_kept_seq,
    ...(unreachable ? { lastUnreachable: unreachableToProto(unreachable) } : {}),
    unreachableCount: row.unreachable_count,
  };
}

