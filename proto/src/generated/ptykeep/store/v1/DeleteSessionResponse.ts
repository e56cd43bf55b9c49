// Original file: ptykeep/store/v1/store.proto


export interface DeleteSessionResponse {
}

export interface DeleteSessionResponse__Output {
}
