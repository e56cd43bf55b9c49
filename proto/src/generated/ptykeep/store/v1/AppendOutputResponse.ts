// Original file: ptykeep/store/v1/store.proto

import type { ChunkRejection as _ptykeep_store_v1_ChunkRejection, ChunkRejection__Output as _ptykeep_store_v1_ChunkRejection__Output } from '../../../ptykeep/store/v1/ChunkRejection.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Either an ack (durable_seq advanced) or a rejection of one session's chunks. A rejection
 * does not end the stream: other sessions on it carry on.
 */
export interface AppendOutputResponse {
  'sessionId'?: (string);
  /**
   * Every chunk 1..durable_seq of this session is committed.
   */
  'durableSeq'?: (number | string | Long);
  /**
   * Set when the store refuses this session's chunks (unknown session, chunk after the
   * session's final seq...): a gRPC status code and a message saying why.
   */
  'rejection'?: (_ptykeep_store_v1_ChunkRejection | null);
}

/**
 * Either an ack (durable_seq advanced) or a rejection of one session's chunks. A rejection
 * does not end the stream: other sessions on it carry on.
 */
export interface AppendOutputResponse__Output {
  'sessionId': (string);
  /**
   * Every chunk 1..durable_seq of this session is committed.
   */
  'durableSeq': (number);
  /**
   * Set when the store refuses this session's chunks (unknown session, chunk after the
   * session's final seq...): a gRPC status code and a message saying why.
   */
  'rejection': (_ptykeep_store_v1_ChunkRejection__Output | null);
}
