// Original file: ptykeep/store/v1/store.proto

import type { SessionState as _ptykeep_store_v1_SessionState, SessionState__Output as _ptykeep_store_v1_SessionState__Output } from '../../../ptykeep/store/v1/SessionState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface SessionExit {
  'state'?: (_ptykeep_store_v1_SessionState);
  'exitCode'?: (number);
  'signal'?: (string);
  'finalSeq'?: (number | string | Long);
  'ts'?: (_google_protobuf_Timestamp | null);
  'reason'?: (string);
  '_exitCode'?: "exitCode";
}

export interface SessionExit__Output {
  'state': (_ptykeep_store_v1_SessionState__Output);
  'exitCode'?: (number);
  'signal': (string);
  'finalSeq': (number);
  'ts': (_google_protobuf_Timestamp__Output | null);
  'reason': (string);
  '_exitCode'?: "exitCode";
}
