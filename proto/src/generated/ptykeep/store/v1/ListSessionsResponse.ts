// Original file: ptykeep/store/v1/store.proto

import type { Session as _ptykeep_store_v1_Session, Session__Output as _ptykeep_store_v1_Session__Output } from '../../../ptykeep/store/v1/Session.js';

export interface ListSessionsResponse {
  'sessions'?: (_ptykeep_store_v1_Session)[];
  /**
   * Empty on the last page.
   */
  'nextPageToken'?: (string);
}

export interface ListSessionsResponse__Output {
  'sessions': (_ptykeep_store_v1_Session__Output)[];
  /**
   * Empty on the last page.
   */
  'nextPageToken': (string);
}
