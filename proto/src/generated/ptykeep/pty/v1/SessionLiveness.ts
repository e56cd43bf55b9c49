// Original file: ptykeep/pty/v1/pty.proto

import type { Liveness as _ptykeep_pty_v1_Liveness, Liveness__Output as _ptykeep_pty_v1_Liveness__Output } from '../../../ptykeep/pty/v1/Liveness.js';

export interface SessionLiveness {
  'sessionId'?: (string);
  'liveness'?: (_ptykeep_pty_v1_Liveness);
}

export interface SessionLiveness__Output {
  'sessionId': (string);
  'liveness': (_ptykeep_pty_v1_Liveness__Output);
}
