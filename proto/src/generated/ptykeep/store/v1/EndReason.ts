// Original file: ptykeep/store/v1/store.proto

export const EndReason = {
  END_REASON_UNSPECIFIED: 'END_REASON_UNSPECIFIED',
  /**
   * The program exited or was killed by a signal nobody in ptykeep sent.
   */
  END_REASON_EXITED: 'END_REASON_EXITED',
  /**
   * ptykeep ended it (kill request, pty-service shutdown).
   */
  END_REASON_KILLED: 'END_REASON_KILLED',
} as const;

export type EndReason =
  | 'END_REASON_UNSPECIFIED'
  | 0
  /**
   * The program exited or was killed by a signal nobody in ptykeep sent.
   */
  | 'END_REASON_EXITED'
  | 1
  /**
   * ptykeep ended it (kill request, pty-service shutdown).
   */
  | 'END_REASON_KILLED'
  | 2

export type EndReason__Output = typeof EndReason[keyof typeof EndReason]
