// Original file: ptykeep/pty/v1/pty.proto


export interface CheckLivenessRequest {
  'sessionIds'?: (string)[];
}

export interface CheckLivenessRequest__Output {
  'sessionIds': (string)[];
}
