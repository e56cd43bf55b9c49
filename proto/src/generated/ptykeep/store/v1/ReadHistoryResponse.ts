// Original file: ptykeep/store/v1/store.proto

import type { HistoryStart as _ptykeep_store_v1_HistoryStart, HistoryStart__Output as _ptykeep_store_v1_HistoryStart__Output } from '../../../ptykeep/store/v1/HistoryStart.js';
import type { OutputChunk as _ptykeep_store_v1_OutputChunk, OutputChunk__Output as _ptykeep_store_v1_OutputChunk__Output } from '../../../ptykeep/store/v1/OutputChunk.js';
import type { SizeChange as _ptykeep_store_v1_SizeChange, SizeChange__Output as _ptykeep_store_v1_SizeChange__Output } from '../../../ptykeep/store/v1/SizeChange.js';
import type { SessionExit as _ptykeep_store_v1_SessionExit, SessionExit__Output as _ptykeep_store_v1_SessionExit__Output } from '../../../ptykeep/store/v1/SessionExit.js';
import type { HistoryEnd as _ptykeep_store_v1_HistoryEnd, HistoryEnd__Output as _ptykeep_store_v1_HistoryEnd__Output } from '../../../ptykeep/store/v1/HistoryEnd.js';
import type { UnreachableInterval as _ptykeep_store_v1_UnreachableInterval, UnreachableInterval__Output as _ptykeep_store_v1_UnreachableInterval__Output } from '../../../ptykeep/store/v1/UnreachableInterval.js';
import type { ScreenSnapshot as _ptykeep_store_v1_ScreenSnapshot, ScreenSnapshot__Output as _ptykeep_store_v1_ScreenSnapshot__Output } from '../../../ptykeep/store/v1/ScreenSnapshot.js';

export interface ReadHistoryResponse {
  'start'?: (_ptykeep_store_v1_HistoryStart | null);
  'output'?: (_ptykeep_store_v1_OutputChunk | null);
  'resize'?: (_ptykeep_store_v1_SizeChange | null);
  'exit'?: (_ptykeep_store_v1_SessionExit | null);
  'end'?: (_ptykeep_store_v1_HistoryEnd | null);
  /**
   * The session's pty-service could not be reached from here (after output chunk at_seq).
   */
  'unreachable'?: (_ptykeep_store_v1_UnreachableInterval | null);
  /**
   * Right after `start` when the replay begins from a screen snapshot (from_screen).
   */
  'screen'?: (_ptykeep_store_v1_ScreenSnapshot | null);
  'event'?: "start"|"output"|"resize"|"exit"|"end"|"unreachable"|"screen";
}

export interface ReadHistoryResponse__Output {
  'start'?: (_ptykeep_store_v1_HistoryStart__Output | null);
  'output'?: (_ptykeep_store_v1_OutputChunk__Output | null);
  'resize'?: (_ptykeep_store_v1_SizeChange__Output | null);
  'exit'?: (_ptykeep_store_v1_SessionExit__Output | null);
  'end'?: (_ptykeep_store_v1_HistoryEnd__Output | null);
  /**
   * The session's pty-service could not be reached from here (after output chunk at_seq).
   */
  'unreachable'?: (_ptykeep_store_v1_UnreachableInterval__Output | null);
  /**
   * Right after `start` when the replay begins from a screen snapshot (from_screen).
   */
  'screen'?: (_ptykeep_store_v1_ScreenSnapshot__Output | null);
  'event'?: "start"|"output"|"resize"|"exit"|"end"|"unreachable"|"screen";
}
