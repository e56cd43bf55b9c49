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
}
