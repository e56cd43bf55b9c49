// Original file: ptykeep/store/v1/store.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

/**
 * One piece of a session's output, as the program wrote it.
 */
export interface OutputChunk {
  'sessionId'?: (string);
  /**
   * 1, 2, 3... per session, with no gaps.
   */
  'seq'?: (number | string | Long);
  /**
   * Byte offset of data[0] in the session's whole output.
   */
  'offset'?: (number | string | Long);
  /**
   * When the bytes were read from the terminal.
   */
  'ts'?: (_google_protobuf_Timestamp | null);
  /**
   * At most LIMITS_MAX_CHUNK_BYTES.
   */
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * One piece of a session's output, as the program wrote it.
 */
export interface OutputChunk__Output {
  'sessionId': (string);
  /**
   * 1, 2, 3... per session, with no gaps.
   */
  'seq': (number);
  /**
   * Byte offset of data[0] in the session's whole output.
   */
  'offset': (number);
  /**
   * When the bytes were read from the terminal.
   */
  'ts': (_google_protobuf_Timestamp__Output | null);
  /**
   * At most LIMITS_MAX_CHUNK_BYTES.
   */
  'data': (Buffer);
}
