// Original file: ptykeep/pty/v1/pty.proto


export interface WriteResponse {
}

export interface WriteResponse__Output {
}
