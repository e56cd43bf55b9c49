// Original file: ptykeep/store/v1/store.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface SizeChange {
  'rows'?: (number);
  'cols'?: (number);
  /**
   * Took effect after output chunk at_seq.
   */
  'atSeq'?: (number | string | Long);
  'ts'?: (_google_protobuf_Timestamp | null);
}

export interface SizeChange__Output {
  'rows': (number);
  'cols': (number);
  /**
   * Took effect after output chunk at_seq.
   */
  'atSeq': (number);
  'ts': (_google_protobuf_Timestamp__Output | null);
}
