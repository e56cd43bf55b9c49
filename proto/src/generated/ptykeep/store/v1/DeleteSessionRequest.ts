// Original file: ptykeep/store/v1/store.proto


export interface DeleteSessionRequest {
  'sessionId'?: (string);
  /**
   * Also delete a session that is still starting or running (its output will be refused).
   */
  'force'?: (boolean);
}

export interface DeleteSessionRequest__Output {
  'sessionId': (string);
  /**
   * Also delete a session that is still starting or running (its output will be refused).
   */
  'force': (boolean);
}
