// Original file: ptykeep/store/v1/store.proto

import type { HistoryEndReason as _ptykeep_store_v1_HistoryEndReason, HistoryEndReason__Output as _ptykeep_store_v1_HistoryEndReason__Output } from '../../../ptykeep/store/v1/HistoryEndReason.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Last message of a replay.
 */
export interface HistoryEnd {
  'reason'?: (_ptykeep_store_v1_HistoryEndReason);
  /**
   * Seq of the last chunk returned (from_seq - 1 if none).
   */
  'lastSeq'?: (number | string | Long);
  /**
   * Where to continue: last_seq + 1.
   */
  'nextSeq'?: (number | string | Long);
  /**
   * Byte offset after the last returned byte.
   */
  'nextOffset'?: (number | string | Long);
}

/**
 * Last message of a replay.
 */
export interface HistoryEnd__Output {
  'reason': (_ptykeep_store_v1_HistoryEndReason__Output);
  /**
   * Seq of the last chunk returned (from_seq - 1 if none).
   */
  'lastSeq': (number);
  /**
   * Where to continue: last_seq + 1.
   */
  'nextSeq': (number);
  /**
   * Byte offset after the last returned byte.
   */
  'nextOffset': (number);
}
