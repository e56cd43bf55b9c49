// Original file: ptykeep/pty/v1/pty.proto

import type { HistoryStart as _ptykeep_store_v1_HistoryStart, HistoryStart__Output as _ptykeep_store_v1_HistoryStart__Output } from '../../../ptykeep/store/v1/HistoryStart.js';
import type { OutputChunk as _ptykeep_store_v1_OutputChunk, OutputChunk__Output as _ptykeep_store_v1_OutputChunk__Output } from '../../../ptykeep/store/v1/OutputChunk.js';
import type { SizeChange as _ptykeep_store_v1_SizeChange, SizeChange__Output as _ptykeep_store_v1_SizeChange__Output } from '../../../ptykeep/store/v1/SizeChange.js';
import type { SessionExit as _ptykeep_store_v1_SessionExit, SessionExit__Output as _ptykeep_store_v1_SessionExit__Output } from '../../../ptykeep/store/v1/SessionExit.js';
import type { UnreachableInterval as _ptykeep_store_v1_UnreachableInterval, UnreachableInterval__Output as _ptykeep_store_v1_UnreachableInterval__Output } from '../../../ptykeep/store/v1/UnreachableInterval.js';
import type { ScreenSnapshot as _ptykeep_store_v1_ScreenSnapshot, ScreenSnapshot__Output as _ptykeep_store_v1_ScreenSnapshot__Output } from '../../../ptykeep/store/v1/ScreenSnapshot.js';

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
  /**
   * As AttachResponse.unreachable: the store could not reach this session's pty-service for a
   * while (after chunk at_seq).
   */
  'unreachable'?: (_ptykeep_store_v1_UnreachableInterval | null);
  /**
   * As AttachResponse.screen: right after `start` when the stream begins from a screen snapshot.
   */
  'screen'?: (_ptykeep_store_v1_ScreenSnapshot | null);
  'event'?: "start"|"output"|"resize"|"exit"|"unreachable"|"screen";
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
  /**
   * As AttachResponse.unreachable: the store could not reach this session's pty-service for a
   * while (after chunk at_seq).
   */
  'unreachable'?: (_ptykeep_store_v1_UnreachableInterval__Output | null);
  /**
   * As AttachResponse.screen: right after `start` when the stream begins from a screen snapshot.
   */
  'screen'?: (_ptykeep_store_v1_ScreenSnapshot__Output | null);
  'event'?: "start"|"output"|"resize"|"exit"|"unreachable"|"screen";
}
