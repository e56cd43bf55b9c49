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
  /**
   * Begin from the screen instead of the first chunk: the replay sends `start`, then a `screen`
   * message holding the latest screen snapshot that stands at or before screen_at_seq, then the
   * chunks after it (from snapshot seq + 1, with no gap and no duplicate) up to to_seq, as usual.
   * Written into a fresh terminal of the snapshot's size, the snapshot and the chunks after it
   * reproduce the terminal as a viewer of the whole history would have it. With no usable
   * snapshot the replay is the full history from the oldest kept output, and the start message
   * says why (HistoryStart.screen_status). Requires from_seq 0.
   */
  'fromScreen'?: (boolean);
  /**
   * With from_screen: the newest seq the snapshot may stand at; 0 means to_seq, or the newest
   * stored output when to_seq is 0 too. Must not be after to_seq, nor after the newest stored
   * chunk (OUT_OF_RANGE).
   */
  'screenAtSeq'?: (number | string | Long);
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
  /**
   * Begin from the screen instead of the first chunk: the replay sends `start`, then a `screen`
   * message holding the latest screen snapshot that stands at or before screen_at_seq, then the
   * chunks after it (from snapshot seq + 1, with no gap and no duplicate) up to to_seq, as usual.
   * Written into a fresh terminal of the snapshot's size, the snapshot and the chunks after it
   * reproduce the terminal as a viewer of the whole history would have it. With no usable
   * snapshot the replay is the full history from the oldest kept output, and the start message
   * says why (HistoryStart.screen_status). Requires from_seq 0.
   */
  'fromScreen': (boolean);
  /**
   * With from_screen: the newest seq the snapshot may stand at; 0 means to_seq, or the newest
   * stored output when to_seq is 0 too. Must not be after to_seq, nor after the newest stored
   * chunk (OUT_OF_RANGE).
   */
  'screenAtSeq': (number);
}
