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
}
