/**
 * Session states: the lower-case names used in the store's database, metrics labels and the
 * CLI, and the contract's enum values for them. Both services and the CLI convert through here.
 */
import type { SessionState__Output } from "./generated/ptykeep/store/v1/SessionState.js";

/** Every state, in lifecycle order (a pty-service never holds a session as lost). */
export const SESSION_STATES = ["starting", "running", "exited", "killed", "lost"] as const;

export type SessionStateName = (typeof SESSION_STATES)[number];

/** Each state's value in the contract. */
export const SESSION_STATE_ENUM = Object.freeze({
  starting: "SESSION_STATE_STARTING",
  running: "SESSION_STATE_RUNNING",
  exited: "SESSION_STATE_EXITED",
  killed: "SESSION_STATE_KILLED",
  lost: "SESSION_STATE_LOST",
} as const satisfies Record<SessionStateName, SessionState__Output>);

const ENUM_TO_NAME = new Map<string, SessionStateName>(SESSION_STATES.map((s) => [SESSION_STATE_ENUM[s], s]));

/** The name of a contract state, or undefined for UNSPECIFIED and unknown values. */
export function sessionStateName(state: string): SessionStateName | undefined {
  return ENUM_TO_NAME.get(state);
}
