// Original file: ptykeep/store/v1/store.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { UnreachableOutcome as _ptykeep_store_v1_UnreachableOutcome, UnreachableOutcome__Output as _ptykeep_store_v1_UnreachableOutcome__Output } from '../../../ptykeep/store/v1/UnreachableOutcome.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A time during which a session's pty-service could not be reached (a crash, a network
 * partition, a stopped process) for longer than the store's grace period, so that the session
 * was declared LOST. Replays carry it right after output chunk at_seq, like a resize.
 */
export interface UnreachableInterval {
  /**
   * The pty-service that could not be reached.
   */
  'ptyNode'?: (string);
  /**
   * When checks of that pty-service began to fail (the first failed CheckLiveness).
   */
  'since'?: (_google_protobuf_Timestamp | null);
  /**
   * When the session was marked LOST.
   */
  'lostAt'?: (_google_protobuf_Timestamp | null);
  /**
   * When the interval closed (see outcome); unset while it is open.
   */
  'endedAt'?: (_google_protobuf_Timestamp | null);
  /**
   * The session was marked LOST after output chunk at_seq (0: before any output).
   */
  'atSeq'?: (number | string | Long);
  /**
   * Why the session was declared LOST, one sentence for people.
   */
  'reason'?: (string);
  'outcome'?: (_ptykeep_store_v1_UnreachableOutcome);
  /**
   * While the interval is open, the store asks the pty-service again until this time; after
   * it only output arriving from the session (or its end record) brings it back.
   */
  'recheckUntil'?: (_google_protobuf_Timestamp | null);
}

/**
 * A time during which a session's pty-service could not be reached (a crash, a network
 * partition, a stopped process) for longer than the store's grace period, so that the session
 * was declared LOST. Replays carry it right after output chunk at_seq, like a resize.
 */
export interface UnreachableInterval__Output {
  /**
   * The pty-service that could not be reached.
   */
  'ptyNode': (string);
  /**
   * When checks of that pty-service began to fail (the first failed CheckLiveness).
   */
  'since': (_google_protobuf_Timestamp__Output | null);
  /**
   * When the session was marked LOST.
   */
  'lostAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * When the interval closed (see outcome); unset while it is open.
   */
  'endedAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * The session was marked LOST after output chunk at_seq (0: before any output).
   */
  'atSeq': (number);
  /**
   * Why the session was declared LOST, one sentence for people.
   */
  'reason': (string);
  'outcome': (_ptykeep_store_v1_UnreachableOutcome__Output);
  /**
   * While the interval is open, the store asks the pty-service again until this time; after
   * it only output arriving from the session (or its end record) brings it back.
   */
  'recheckUntil': (_google_protobuf_Timestamp__Output | null);
}
