// Original file: ptykeep/store/v1/store.proto

import type { SessionState as _ptykeep_store_v1_SessionState, SessionState__Output as _ptykeep_store_v1_SessionState__Output } from '../../../ptykeep/store/v1/SessionState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { UnreachableInterval as _ptykeep_store_v1_UnreachableInterval, UnreachableInterval__Output as _ptykeep_store_v1_UnreachableInterval__Output } from '../../../ptykeep/store/v1/UnreachableInterval.js';
import type { Long } from '@grpc/proto-loader';

export interface Session {
  'sessionId'?: (string);
  'command'?: (string);
  'args'?: (string)[];
  'cwd'?: (string);
  /**
   * Address of the pty-service that hosts the session (the reaper asks it about liveness).
   */
  'ptyNode'?: (string);
  /**
   * Current terminal size.
   */
  'rows'?: (number);
  'cols'?: (number);
  'labels'?: ({[key: string]: string});
  /**
   * Names of the environment variables the program was given; values are never stored.
   */
  'envNames'?: (string)[];
  'state'?: (_ptykeep_store_v1_SessionState);
  'pid'?: (number);
  /**
   * Set when state is EXITED or KILLED and the program returned a code.
   */
  'exitCode'?: (number);
  /**
   * Signal name (e.g. "SIGKILL") when the program was ended by a signal.
   */
  'exitSignal'?: (string);
  /**
   * Why a LOST session was declared lost.
   */
  'endReason'?: (string);
  'createdAt'?: (_google_protobuf_Timestamp | null);
  'startedAt'?: (_google_protobuf_Timestamp | null);
  'endedAt'?: (_google_protobuf_Timestamp | null);
  /**
   * Highest seq such that every chunk 1..durable_seq is stored.
   */
  'durableSeq'?: (number | string | Long);
  /**
   * Bytes of output in chunks 1..durable_seq.
   */
  'durableBytes'?: (number | string | Long);
  /**
   * Last seq of the program's output, known once it has ended (0 before).
   */
  'finalSeq'?: (number | string | Long);
  /**
   * Oldest seq still kept; older output was removed by retention (1 when nothing was removed).
   */
  'firstKeptSeq'?: (number | string | Long);
  /**
   * The most recent time the session's pty-service could not be reached for long enough to
   * declare the session lost: still open while the session is LOST, closed once it came back
   * (then the session is RUNNING again) or ended. Unset if that never happened.
   */
  'lastUnreachable'?: (_ptykeep_store_v1_UnreachableInterval | null);
  /**
   * How many such intervals the session has had; every one is in its history (ReadHistory).
   */
  'unreachableCount'?: (number);
  '_exitCode'?: "exitCode";
}

export interface Session__Output {
  'sessionId': (string);
  'command': (string);
  'args': (string)[];
  'cwd': (string);
  /**
   * Address of the pty-service that hosts the session (the reaper asks it about liveness).
   */
  'ptyNode': (string);
  /**
   * Current terminal size.
   */
  'rows': (number);
  'cols': (number);
  'labels': ({[key: string]: string});
  /**
   * Names of the environment variables the program was given; values are never stored.
   */
  'envNames': (string)[];
  'state': (_ptykeep_store_v1_SessionState__Output);
  'pid': (number);
  /**
   * Set when state is EXITED or KILLED and the program returned a code.
   */
  'exitCode'?: (number);
  /**
   * Signal name (e.g. "SIGKILL") when the program was ended by a signal.
   */
  'exitSignal': (string);
  /**
   * Why a LOST session was declared lost.
   */
  'endReason': (string);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
  'startedAt': (_google_protobuf_Timestamp__Output | null);
  'endedAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * Highest seq such that every chunk 1..durable_seq is stored.
   */
  'durableSeq': (number);
  /**
   * Bytes of output in chunks 1..durable_seq.
   */
  'durableBytes': (number);
  /**
   * Last seq of the program's output, known once it has ended (0 before).
   */
  'finalSeq': (number);
  /**
   * Oldest seq still kept; older output was removed by retention (1 when nothing was removed).
   */
  'firstKeptSeq': (number);
  /**
   * The most recent time the session's pty-service could not be reached for long enough to
   * declare the session lost: still open while the session is LOST, closed once it came back
   * (then the session is RUNNING again) or ended. Unset if that never happened.
   */
  'lastUnreachable': (_ptykeep_store_v1_UnreachableInterval__Output | null);
  /**
   * How many such intervals the session has had; every one is in its history (ReadHistory).
   */
  'unreachableCount': (number);
  '_exitCode'?: "exitCode";
}
