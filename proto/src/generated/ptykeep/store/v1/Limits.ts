// Original file: ptykeep/store/v1/store.proto

/**
 * The largest `data` one OutputChunk may carry: 256 KiB. Larger reads are split by the sender;
 * the store rejects bigger chunks with INVALID_ARGUMENT. (Mirrored as MAX_CHUNK_BYTES in code.)
 */
export const Limits = {
  LIMITS_UNSPECIFIED: 'LIMITS_UNSPECIFIED',
  LIMITS_MAX_CHUNK_BYTES: 'LIMITS_MAX_CHUNK_BYTES',
} as const;

/**
 * The largest `data` one OutputChunk may carry: 256 KiB. Larger reads are split by the sender;
 * the store rejects bigger chunks with INVALID_ARGUMENT. (Mirrored as MAX_CHUNK_BYTES in code.)
 */
export type Limits =
  | 'LIMITS_UNSPECIFIED'
  | 0
  | 'LIMITS_MAX_CHUNK_BYTES'
  | 262144

/**
 * The largest `data` one OutputChunk may carry: 256 KiB. Larger reads are split by the sender;
 * the store rejects bigger chunks with INVALID_ARGUMENT. (Mirrored as MAX_CHUNK_BYTES in code.)
 */
export type Limits__Output = typeof Limits[keyof typeof Limits]
