// Original file: ptykeep/store/v1/store.proto

import type { OutputChunk as _ptykeep_store_v1_OutputChunk, OutputChunk__Output as _ptykeep_store_v1_OutputChunk__Output } from '../../../ptykeep/store/v1/OutputChunk.js';

export interface AppendOutputRequest {
  'chunk'?: (_ptykeep_store_v1_OutputChunk | null);
}

export interface AppendOutputRequest__Output {
  'chunk': (_ptykeep_store_v1_OutputChunk__Output | null);
}
