// Original file: ptykeep/store/v1/store.proto

import type { EndReason as _ptykeep_store_v1_EndReason, EndReason__Output as _ptykeep_store_v1_EndReason__Output } from '../../../ptykeep/store/v1/EndReason.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface MarkExitedRequest {
  'sessionId'?: (string);
  'exitCode'?: (number);
  'signal'?: (string);
  /**
   * Seq of the program's last output chunk (0 if it printed nothing).
   */
  'finalSeq'?: (number | string | Long);
  'reason'?: (_ptykeep_store_v1_EndReason);
  /**
   * When the program ended, as the pty-service saw it: the time of the exit event its viewers
   * got, replayed unchanged by ReadHistory. Unset: the time the store records the exit.
   */
  'endedAt'?: (_google_protobuf_Timestamp | null);
  '_exitCode'?: "exitCode";
}

export interface MarkExitedRequest__Output {
  'sessionId': (string);
  'exitCode'?: (number);
  'signal': (string);
  /**
   * Seq of the program's last output chunk (0 if it printed nothing).
   */
  'finalSeq': (number);
  'reason': (_ptykeep_store_v1_EndReason__Output);
  /**
   * When the program ended, as the pty-service saw it: the time of the exit event its viewers
   * got, replayed unchanged by ReadHistory. Unset: the time the store records the exit.
   */
  'endedAt': (_google_protobuf_Timestamp__Output | null);
  '_exitCode'?: "exitCode";
}
