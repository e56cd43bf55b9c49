// Original file: ptykeep/store/v1/store.proto

import type { SessionState as _ptykeep_store_v1_SessionState, SessionState__Output as _ptykeep_store_v1_SessionState__Output } from '../../../ptykeep/store/v1/SessionState.js';

export interface ListSessionsRequest {
  /**
   * Any of these states; empty means all.
   */
  'states'?: (_ptykeep_store_v1_SessionState)[];
  /**
   * Only sessions hosted by this pty-service address.
   */
  'ptyNode'?: (string);
  /**
   * Only sessions carrying all of these labels.
   */
  'labels'?: ({[key: string]: string});
  /**
   * 1..1000; 0 means 100.
   */
  'pageSize'?: (number);
  /**
   * next_page_token of the previous page.
   */
  'pageToken'?: (string);
}

export interface ListSessionsRequest__Output {
  /**
   * Any of these states; empty means all.
   */
  'states': (_ptykeep_store_v1_SessionState__Output)[];
  /**
   * Only sessions hosted by this pty-service address.
   */
  'ptyNode': (string);
  /**
   * Only sessions carrying all of these labels.
   */
  'labels': ({[key: string]: string});
  /**
   * 1..1000; 0 means 100.
   */
  'pageSize': (number);
  /**
   * next_page_token of the previous page.
   */
  'pageToken': (string);
}
