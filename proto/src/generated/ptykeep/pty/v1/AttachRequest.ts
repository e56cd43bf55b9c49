// Original file: ptykeep/pty/v1/pty.proto

import type { Long } from '@grpc/proto-loader';

export interface AttachRequest {
  'sessionId'?: (string);
  /**
   * First seq to send; 0 means the oldest kept output. At most one past the last chunk (the live
   * edge); further is OUT_OF_RANGE, naming the valid range.
   */
  'fromSeq'?: (number | string | Long);
  /**
   * Skip the replay and start at the live edge (from_seq is then ignored).
   */
  'liveOnly'?: (boolean);
  /**
   * Begin from the screen: the start message, then the store's latest screen snapshot (`screen`),
   * then every chunk after it (from the store, then memory, then live) with no gap and no
   * duplicate. Without a usable snapshot the stream is the full history and start.screen_status
   * says why. Requires from_seq 0; exclusive with live_only.
   */
  'fromScreen'?: (boolean);
  /**
   * With from_screen on a running session: after the screen has been sent, resize the terminal
   * by one row and back so that a full-screen program repaints itself. The repaint makes the
   * picture exact for programs whose state a snapshot cannot carry, at a cost: the program and
   * every other viewer see two SIGWINCH-driven redraws, both resizes are recorded in the history,
   * and a program that is not full-screen may print its prompt or layout again.
   */
  'repaint'?: (boolean);
}

export interface AttachRequest__Output {
  'sessionId': (string);
  /**
   * First seq to send; 0 means the oldest kept output. At most one past the last chunk (the live
   * edge); further is OUT_OF_RANGE, naming the valid range.
   */
  'fromSeq': (number);
  /**
   * Skip the replay and start at the live edge (from_seq is then ignored).
   */
  'liveOnly': (boolean);
  /**
   * Begin from the screen: the start message, then the store's latest screen snapshot (`screen`),
   * then every chunk after it (from the store, then memory, then live) with no gap and no
   * duplicate. Without a usable snapshot the stream is the full history and start.screen_status
   * says why. Requires from_seq 0; exclusive with live_only.
   */
  'fromScreen': (boolean);
  /**
   * With from_screen on a running session: after the screen has been sent, resize the terminal
   * by one row and back so that a full-screen program repaints itself. The repaint makes the
   * picture exact for programs whose state a snapshot cannot carry, at a cost: the program and
   * every other viewer see two SIGWINCH-driven redraws, both resizes are recorded in the history,
   * and a program that is not full-screen may print its prompt or layout again.
   */
  'repaint': (boolean);
}
