// Original file: ptykeep/store/v1/store.proto


export interface RegisterSessionRequest {
  /**
   * Caller-chosen UUID (the pty-service uses UUIDv7, so ids sort by creation time).
   */
  'sessionId'?: (string);
  'command'?: (string);
  'args'?: (string)[];
  'cwd'?: (string);
  'ptyNode'?: (string);
  'rows'?: (number);
  'cols'?: (number);
  'labels'?: ({[key: string]: string});
  'envNames'?: (string)[];
}

export interface RegisterSessionRequest__Output {
  /**
   * Caller-chosen UUID (the pty-service uses UUIDv7, so ids sort by creation time).
   */
  'sessionId': (string);
  'command': (string);
  'args': (string)[];
  'cwd': (string);
  'ptyNode': (string);
  'rows': (number);
  'cols': (number);
  'labels': ({[key: string]: string});
  'envNames': (string)[];
}
