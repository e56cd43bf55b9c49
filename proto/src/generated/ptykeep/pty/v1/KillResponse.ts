// Original file: ptykeep/pty/v1/pty.proto

import type { SessionExit as _ptykeep_store_v1_SessionExit, SessionExit__Output as _ptykeep_store_v1_SessionExit__Output } from '../../../ptykeep/store/v1/SessionExit.js';

export interface KillResponse {
  'exit'?: (_ptykeep_store_v1_SessionExit | null);
}

export interface KillResponse__Output {
  'exit': (_ptykeep_store_v1_SessionExit__Output | null);
}
