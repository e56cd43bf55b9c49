// Original file: ptykeep/pty/v1/pty.proto


export interface SignalResponse {
}

export interface SignalResponse__Output {
}
