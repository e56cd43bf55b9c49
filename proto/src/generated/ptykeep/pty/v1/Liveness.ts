// Original file: ptykeep/pty/v1/pty.proto

export const Liveness = {
  LIVENESS_UNSPECIFIED: 'LIVENESS_UNSPECIFIED',
  LIVENESS_RUNNING: 'LIVENESS_RUNNING',
  LIVENESS_EXITED: 'LIVENESS_EXITED',
  /**
   * This pty-service does not host the session.
   */
  LIVENESS_UNKNOWN: 'LIVENESS_UNKNOWN',
} as const;

export type Liveness =
  | 'LIVENESS_UNSPECIFIED'
  | 0
  | 'LIVENESS_RUNNING'
  | 1
  | 'LIVENESS_EXITED'
  | 2
  /**
   * This pty-service does not host the session.
   */
  | 'LIVENESS_UNKNOWN'
  | 3

export type Liveness__Output = typeof Liveness[keyof typeof Liveness]
