// Original file: ptykeep/pty/v1/pty.proto

import type { HistoryStart as _ptykeep_store_v1_HistoryStart, HistoryStart__Output as _ptykeep_store_v1_HistoryStart__Output } from '../../../ptykeep/store/v1/HistoryStart.js';
import type { OutputChunk as _ptykeep_store_v1_OutputChunk, OutputChunk__Output as _ptykeep_store_v1_OutputChunk__Output } from '../../../ptykeep/store/v1/OutputChunk.js';
import type { SizeChange as _ptykeep_store_v1_SizeChange, SizeChange__Output as _ptykeep_store_v1_SizeChange__Output } from '../../../ptykeep/store/v1/SizeChange.js';
import type { SessionExit as _ptykeep_store_v1_SessionExit, SessionExit__Output as _ptykeep_store_v1_SessionExit__Output } from '../../../ptykeep/store/v1/SessionExit.js';

export interface InteractResponse {
  /**
   * First message: where the stream starts and the terminal size there.
   */
  'start'?: (_ptykeep_store_v1_HistoryStart | null);
  'output'?: (_ptykeep_store_v1_OutputChunk | null);
  'resize'?: (_ptykeep_store_v1_SizeChange | null);
  /**
   * Last message of a session that has ended.
   */
  'exit'?: (_ptykeep_store_v1_SessionExit | null);
  'event'?: "start"|"output"|"resize"|"exit";
}

export interface InteractResponse__Output {
  /**
   * First message: where the stream starts and the terminal size there.
   */
  'start'?: (_ptykeep_store_v1_HistoryStart__Output | null);
  'output'?: (_ptykeep_store_v1_OutputChunk__Output | null);
  'resize'?: (_ptykeep_store_v1_SizeChange__Output | null);
  /**
   * Last message of a session that has ended.
   */
  'exit'?: (_ptykeep_store_v1_SessionExit__Output | null);
  'event'?: "start"|"output"|"resize"|"exit";
}
