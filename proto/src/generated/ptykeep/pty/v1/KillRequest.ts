// Original file: ptykeep/pty/v1/pty.proto


export interface KillRequest {
  'sessionId'?: (string);
}

export interface KillRequest__Output {
  'sessionId': (string);
}
