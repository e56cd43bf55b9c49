// Original file: ptykeep/pty/v1/pty.proto


export interface TerminalSize {
  'rows'?: (number);
  'cols'?: (number);
}

export interface TerminalSize__Output {
  'rows': (number);
  'cols': (number);
}
