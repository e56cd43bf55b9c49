// Original file: ptykeep/pty/v1/pty.proto

import type { SessionState as _ptykeep_store_v1_SessionState, SessionState__Output as _ptykeep_store_v1_SessionState__Output } from '../../../ptykeep/store/v1/SessionState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface PtySession {
  'sessionId'?: (string);
  'command'?: (string);
  'args'?: (string)[];
  'cwd'?: (string);
  'pid'?: (number);
  'state'?: (_ptykeep_store_v1_SessionState);
  'rows'?: (number);
  'cols'?: (number);
  'labels'?: ({[key: string]: string});
  /**
   * Seq of the newest output chunk.
   */
  'lastSeq'?: (number | string | Long);
  /**
   * Seq up to which the store has acknowledged output as durable.
   */
  'durableSeq'?: (number | string | Long);
  /**
   * Whether the terminal is paused waiting for the store to catch up.
   */
  'paused'?: (boolean);
  'viewers'?: (number);
  'createdAt'?: (_google_protobuf_Timestamp | null);
}

export interface PtySession__Output {
  'sessionId': (string);
  'command': (string);
  'args': (string)[];
  'cwd': (string);
  'pid': (number);
  'state': (_ptykeep_store_v1_SessionState__Output);
  'rows': (number);
  'cols': (number);
  'labels': ({[key: string]: string});
  /**
   * Seq of the newest output chunk.
   */
  'lastSeq': (number);
  /**
   * Seq up to which the store has acknowledged output as durable.
   */
  'durableSeq': (number);
  /**
   * Whether the terminal is paused waiting for the store to catch up.
   */
  'paused': (boolean);
  'viewers': (number);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
}
