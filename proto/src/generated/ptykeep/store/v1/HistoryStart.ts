// Original file: ptykeep/store/v1/store.proto

import type { ScreenStatus as _ptykeep_store_v1_ScreenStatus, ScreenStatus__Output as _ptykeep_store_v1_ScreenStatus__Output } from '../../../ptykeep/store/v1/ScreenStatus.js';
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
  /**
   * Set only when from_screen was asked: SNAPSHOT when a `screen` message follows (from_seq is
   * then screen_seq + 1 and rows/cols the snapshot's size), otherwise why the replay is the full
   * history instead.
   */
  'screenStatus'?: (_ptykeep_store_v1_ScreenStatus);
  /**
   * With SNAPSHOT: the snapshot reproduces the terminal right after chunk screen_seq (and the
   * resizes that followed it).
   */
  'screenSeq'?: (number | string | Long);
  /**
   * With a fallback: a sentence saying why no snapshot is served.
   */
  'screenDetail'?: (string);
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
  /**
   * Set only when from_screen was asked: SNAPSHOT when a `screen` message follows (from_seq is
   * then screen_seq + 1 and rows/cols the snapshot's size), otherwise why the replay is the full
   * history instead.
   */
  'screenStatus': (_ptykeep_store_v1_ScreenStatus__Output);
  /**
   * With SNAPSHOT: the snapshot reproduces the terminal right after chunk screen_seq (and the
   * resizes that followed it).
   */
  'screenSeq': (number);
  /**
   * With a fallback: a sentence saying why no snapshot is served.
   */
  'screenDetail': (string);
}
