// Original file: ptykeep/store/v1/store.proto

import type { Long } from '@grpc/proto-loader';

/**
 * First message of a replay.
 */
export interface HistoryStart {
  /**
   * Seq the replay actually starts from.
   */
  'fromSeq'?: (number | string | Long);
  /**
   * True when from_seq asked for output older than what is kept (removed by retention).
   */
  'truncated'?: (boolean);
  /**
   * Terminal size in force at from_seq.
   */
  'rows'?: (number);
  'cols'?: (number);
  /**
   * Byte offset of the first replayed byte.
   */
  'offset'?: (number | string | Long);
}

/**
 * First message of a replay.
 */
export interface HistoryStart__Output {
  /**
   * Seq the replay actually starts from.
   */
  'fromSeq': (number);
  /**
   * True when from_seq asked for output older than what is kept (removed by retention).
   */
  'truncated': (boolean);
  /**
   * Terminal size in force at from_seq.
   */
  'rows': (number);
  'cols': (number);
  /**
   * Byte offset of the first replayed byte.
   */
  'offset': (number);
}
