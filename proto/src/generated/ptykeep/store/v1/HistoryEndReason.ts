// Original file: ptykeep/store/v1/store.proto

export const HistoryEndReason = {
  HISTORY_END_REASON_UNSPECIFIED: 'HISTORY_END_REASON_UNSPECIFIED',
  /**
   * Everything stored so far was returned (the session may still be writing).
   */
  HISTORY_END_REASON_CAUGHT_UP: 'HISTORY_END_REASON_CAUGHT_UP',
  /**
   * The session has ended and its whole output was returned.
   */
  HISTORY_END_REASON_COMPLETE: 'HISTORY_END_REASON_COMPLETE',
  /**
   * to_seq was reached.
   */
  HISTORY_END_REASON_TO_SEQ: 'HISTORY_END_REASON_TO_SEQ',
  /**
   * A chunk is missing: history stops before it rather than skip it.
   */
  HISTORY_END_REASON_GAP: 'HISTORY_END_REASON_GAP',
} as const;

export type HistoryEndReason =
  | 'HISTORY_END_REASON_UNSPECIFIED'
  | 0
  /**
   * Everything stored so far was returned (the session may still be writing).
   */
  | 'HISTORY_END_REASON_CAUGHT_UP'
  | 1
  /**
   * The session has ended and its whole output was returned.
   */
  | 'HISTORY_END_REASON_COMPLETE'
  | 2
  /**
   * to_seq was reached.
   */
  | 'HISTORY_END_REASON_TO_SEQ'
  | 3
  /**
   * A chunk is missing: history stops before it rather than skip it.
   */
  | 'HISTORY_END_REASON_GAP'
  | 4

export type HistoryEndReason__Output = typeof HistoryEndReason[keyof typeof HistoryEndReason]
