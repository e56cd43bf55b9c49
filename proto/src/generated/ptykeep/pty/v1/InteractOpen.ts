// Original file: ptykeep/pty/v1/pty.proto

import type { Long } from '@grpc/proto-loader';

export interface InteractOpen {
  'sessionId'?: (string);
  /**
   * First seq to send; 0 means the oldest kept output.
   */
  'fromSeq'?: (number | string | Long);
  /**
   * Skip the replay and start at the live edge (from_seq is then ignored).
   */
  'liveOnly'?: (boolean);
  /**
   * Output only: input and resize messages are refused (PERMISSION_DENIED).
   */
  'readOnly'?: (boolean);
  /**
   * Begin from the screen, as AttachRequest.from_screen: start, the newest screen snapshot, the
   * chunks after it, then live. Requires from_seq 0 and excludes live_only. A viewer resuming
   * after a cut sets from_seq instead (it already has the screen).
   */
  'fromScreen'?: (boolean);
  /**
   * With from_screen, as AttachRequest.repaint (needs a stream that is not read_only).
   */
  'repaint'?: (boolean);
}

export interface InteractOpen__Output {
  'sessionId': (string);
  /**
   * First seq to send; 0 means the oldest kept output.
   */
  'fromSeq': (number);
  /**
   * Skip the replay and start at the live edge (from_seq is then ignored).
   */
  'liveOnly': (boolean);
  /**
   * Output only: input and resize messages are refused (PERMISSION_DENIED).
   */
  'readOnly': (boolean);
  /**
   * Begin from the screen, as AttachRequest.from_screen: start, the newest screen snapshot, the
   * chunks after it, then live. Requires from_seq 0 and excludes live_only. A viewer resuming
   * after a cut sets from_seq instead (it already has the screen).
   */
  'fromScreen': (boolean);
  /**
   * With from_screen, as AttachRequest.repaint (needs a stream that is not read_only).
   */
  'repaint': (boolean);
}
