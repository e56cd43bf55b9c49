// Original file: ptykeep/store/v1/store.proto

import type { Session as _ptykeep_store_v1_Session, Session__Output as _ptykeep_store_v1_Session__Output } from '../../../ptykeep/store/v1/Session.js';

export interface GetSessionResponse {
  'session'?: (_ptykeep_store_v1_Session | null);
}

export interface GetSessionResponse__Output {
  'session': (_ptykeep_store_v1_Session__Output | null);
}
