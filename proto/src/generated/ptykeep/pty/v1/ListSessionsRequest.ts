// Original file: ptykeep/pty/v1/pty.proto


export interface ListSessionsRequest {
}

export interface ListSessionsRequest__Output {
}
