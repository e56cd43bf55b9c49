// Original file: ptykeep/pty/v1/pty.proto


export interface SpawnResponse {
  'sessionId'?: (string);
  'pid'?: (number);
}

export interface SpawnResponse__Output {
  'sessionId': (string);
  'pid': (number);
}
