// Original file: ptykeep/pty/v1/pty.proto


export interface WriteRequest {
  'sessionId'?: (string);
  'data'?: (Buffer | Uint8Array | string);
}

export interface WriteRequest__Output {
  'sessionId': (string);
  'data': (Buffer);
}
