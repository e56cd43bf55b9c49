// Original file: ptykeep/store/v1/store.proto

/**
 * How a replay asked to begin from the screen begins.
 */
export const ScreenStatus = {
  /**
   * from_screen was not asked.
   */
  SCREEN_STATUS_UNSPECIFIED: 'SCREEN_STATUS_UNSPECIFIED',
  /**
   * A `screen` message follows the start message.
   */
  SCREEN_STATUS_SNAPSHOT: 'SCREEN_STATUS_SNAPSHOT',
  /**
   * No snapshot stands at or before the point yet (a young session, or the job has not reached
   * it): full replay from the oldest kept output.
   */
  SCREEN_STATUS_NO_SNAPSHOT: 'SCREEN_STATUS_NO_SNAPSHOT',
  /**
   * Snapshots exist but none that qualifies could be decoded (counted in the store's metrics and
   * logged): full replay from the oldest kept output.
   */
  SCREEN_STATUS_UNREADABLE: 'SCREEN_STATUS_UNREADABLE',
} as const;

/**
 * How a replay asked to begin from the screen begins.
 */
export type ScreenStatus =
  /**
   * from_screen was not asked.
   */
  | 'SCREEN_STATUS_UNSPECIFIED'
  | 0
  /**
   * A `screen` message follows the start message.
   */
  | 'SCREEN_STATUS_SNAPSHOT'
  | 1
  /**
   * No snapshot stands at or before the point yet (a young session, or the job has not reached
   * it): full replay from the oldest kept output.
   */
  | 'SCREEN_STATUS_NO_SNAPSHOT'
  | 2
  /**
   * Snapshots exist but none that qualifies could be decoded (counted in the store's metrics and
   * logged): full replay from the oldest kept output.
   */
  | 'SCREEN_STATUS_UNREADABLE'
  | 3

/**
 * How a replay asked to begin from the screen begins.
 */
export type ScreenStatus__Output = typeof ScreenStatus[keyof typeof ScreenStatus]
