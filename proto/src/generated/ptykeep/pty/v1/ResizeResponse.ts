// Original file: ptykeep/pty/v1/pty.proto


export interface ResizeResponse {
}

export interface ResizeResponse__Output {
}
