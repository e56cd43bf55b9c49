// Original file: ptykeep/pty/v1/pty.proto


export interface ResizeRequest {
  'sessionId'?: (string);
  'rows'?: (number);
  'cols'?: (number);
}

export interface ResizeRequest__Output {
  'sessionId': (string);
  'rows': (number);
  'cols': (number);
}
