// Original file: ptykeep/store/v1/store.proto

export const UnreachableOutcome = {
  /**
   * Still open: the session is LOST.
   */
  UNREACHABLE_OUTCOME_UNSPECIFIED: 'UNREACHABLE_OUTCOME_UNSPECIFIED',
  /**
   * The pty-service answered again that the session runs, or its output arrived: RUNNING again.
   */
  UNREACHABLE_OUTCOME_RECOVERED: 'UNREACHABLE_OUTCOME_RECOVERED',
  /**
   * The session's end record (exit or kill) arrived from its pty-service.
   */
  UNREACHABLE_OUTCOME_ENDED: 'UNREACHABLE_OUTCOME_ENDED',
  /**
   * The pty-service answered again without the session (it restarted) or reported it exited
   * without a record: the session stays LOST.
   */
  UNREACHABLE_OUTCOME_GONE: 'UNREACHABLE_OUTCOME_GONE',
} as const;

export type UnreachableOutcome =
  /**
   * Still open: the session is LOST.
   */
  | 'UNREACHABLE_OUTCOME_UNSPECIFIED'
  | 0
  /**
   * The pty-service answered again that the session runs, or its output arrived: RUNNING again.
   */
  | 'UNREACHABLE_OUTCOME_RECOVERED'
  | 1
  /**
   * The session's end record (exit or kill) arrived from its pty-service.
   */
  | 'UNREACHABLE_OUTCOME_ENDED'
  | 2
  /**
   * The pty-service answered again without the session (it restarted) or reported it exited
   * without a record: the session stays LOST.
   */
  | 'UNREACHABLE_OUTCOME_GONE'
  | 3

export type UnreachableOutcome__Output = typeof UnreachableOutcome[keyof typeof UnreachableOutcome]
