// Original file: ptykeep/store/v1/store.proto

export const SessionState = {
  SESSION_STATE_UNSPECIFIED: 'SESSION_STATE_UNSPECIFIED',
  /**
   * Registered; the program has not been confirmed started yet.
   */
  SESSION_STATE_STARTING: 'SESSION_STATE_STARTING',
  SESSION_STATE_RUNNING: 'SESSION_STATE_RUNNING',
  /**
   * The program ended on its own (exit code or signal recorded).
   */
  SESSION_STATE_EXITED: 'SESSION_STATE_EXITED',
  /**
   * Its pty-service no longer knows it (crash, reboot): ended without a record of how.
   */
  SESSION_STATE_LOST: 'SESSION_STATE_LOST',
  /**
   * Ended by ptykeep itself (a kill request or a pty-service shutdown).
   */
  SESSION_STATE_KILLED: 'SESSION_STATE_KILLED',
} as const;

export type SessionState =
  | 'SESSION_STATE_UNSPECIFIED'
  | 0
  /**
   * Registered; the program has not been confirmed started yet.
   */
  | 'SESSION_STATE_STARTING'
  | 1
  | 'SESSION_STATE_RUNNING'
  | 2
  /**
   * The program ended on its own (exit code or signal recorded).
   */
  | 'SESSION_STATE_EXITED'
  | 3
  /**
   * Its pty-service no longer knows it (crash, reboot): ended without a record of how.
   */
  | 'SESSION_STATE_LOST'
  | 4
  /**
   * Ended by ptykeep itself (a kill request or a pty-service shutdown).
   */
  | 'SESSION_STATE_KILLED'
  | 5

export type SessionState__Output = typeof SessionState[keyof typeof SessionState]
