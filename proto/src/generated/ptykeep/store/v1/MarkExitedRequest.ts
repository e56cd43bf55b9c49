// Original file: ptykeep/store/v1/store.proto

import type { EndReason as _ptykeep_store_v1_EndReason, EndReason__Output as _ptykeep_store_v1_EndReason__Output } from '../../../ptykeep/store/v1/EndReason.js';
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
  '_exitCode'?: "exitCode";
}
