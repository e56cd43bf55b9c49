// Original file: ptykeep/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadHistoryRequest {
  'sessionId'?: (string);
  /**
   * First seq to return; 0 means the oldest kept output. At most one past the session's last
   * chunk (a reader that has everything is told CAUGHT_UP, or COMPLETE with the exit); further is
   * OUT_OF_RANGE, naming the valid range.
   */
  'fromSeq'?: (number | string | Long);
  /**
   * Last seq to return; 0 means up to the newest output stored when the call begins (output
   * stored later is read by another call from the end's next_seq).
   */
  'toSeq'?: (number | string | Long);
}

export interface ReadHistoryRequest__Output {
  'sessionId': (string);
  /**
   * First seq to return; 0 means the oldest kept output. At most one past the session's last
   * chunk (a reader that has everything is told CAUGHT_UP, or COMPLETE with the exit); further is
   * OUT_OF_RANGE, naming the valid range.
   */
  'fromSeq': (number);
  /**
   * Last seq to return; 0 means up to the newest output stored when the call begins (output
   * stored later is read by another call from the end's next_seq).
   */
  'toSeq': (number);
}
