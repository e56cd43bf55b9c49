// Original file: ptykeep/pty/v1/pty.proto

import type { SessionLiveness as _ptykeep_pty_v1_SessionLiveness, SessionLiveness__Output as _ptykeep_pty_v1_SessionLiveness__Output } from '../../../ptykeep/pty/v1/SessionLiveness.js';

export interface CheckLivenessResponse {
  'sessions'?: (_ptykeep_pty_v1_SessionLiveness)[];
}

export interface CheckLivenessResponse__Output {
  'sessions': (_ptykeep_pty_v1_SessionLiveness__Output)[];
}
