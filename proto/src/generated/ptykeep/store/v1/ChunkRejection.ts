// Original file: ptykeep/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface ChunkRejection {
  /**
   * A google.rpc.Code value, e.g. 5 (NOT_FOUND).
   */
  'code'?: (number);
  'message'?: (string);
  'seq'?: (number | string | Long);
}

export interface ChunkRejection__Output {
  /**
   * A google.rpc.Code value, e.g. 5 (NOT_FOUND).
   */
  'code': (number);
  'message': (string);
  'seq': (number);
}
