// Original file: ptykeep/pty/v1/pty.proto

import type { PtySession as _ptykeep_pty_v1_PtySession, PtySession__Output as _ptykeep_pty_v1_PtySession__Output } from '../../../ptykeep/pty/v1/PtySession.js';

export interface ListSessionsResponse {
  'sessions'?: (_ptykeep_pty_v1_PtySession)[];
}

export interface ListSessionsResponse__Output {
  'sessions': (_ptykeep_pty_v1_PtySession__Output)[];
}
