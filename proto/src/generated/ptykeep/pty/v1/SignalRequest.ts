// Original file: ptykeep/pty/v1/pty.proto


export interface SignalRequest {
  'sessionId'?: (string);
  /**
   * A signal name such as "SIGINT", "INT", "SIGTERM", "SIGWINCH".
   */
  'signal'?: (string);
}

export interface SignalRequest__Output {
  'sessionId': (string);
  /**
   * A signal name such as "SIGINT", "INT", "SIGTERM", "SIGWINCH".
   */
  'signal': (string);
}
