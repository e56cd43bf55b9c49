// Original file: ptykeep/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadHistoryRequest {
  'sessionId'?: (string);
  /**
   * First seq to return; 0 means the oldest kept output.
   */
  'fromSeq'?: (number | string | Long);
  /**
   * Last seq to return; 0 means up to the newest stored output.
   */
  'toSeq'?: (number | string | Long);
}

export interface ReadHistoryRequest__Output {
  'sessionId': (string);
  /**
   * First seq to return; 0 means the oldest kept output.
   */
  'fromSeq': (number);
  /**
   * Last seq to return; 0 means up to the newest stored output.
   */
  'toSeq': (number);
}
