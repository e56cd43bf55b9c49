// Original file: ptykeep/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdateSizeRequest {
  'sessionId'?: (string);
  'rows'?: (number);
  'cols'?: (number);
  /**
   * The resize happened after output chunk at_seq (0: before any output).
   */
  'atSeq'?: (number | string | Long);
  /**
   * 1, 2, 3... per session; makes retries idempotent.
   */
  'changeNo'?: (number | string | Long);
}

export interface UpdateSizeRequest__Output {
  'sessionId': (string);
  'rows': (number);
  'cols': (number);
  /**
   * The resize happened after output chunk at_seq (0: before any output).
   */
  'atSeq': (number);
  /**
   * 1, 2, 3... per session; makes retries idempotent.
   */
  'changeNo': (number);
}
