// Original file: ptykeep/store/v1/store.proto


export interface UpdateSizeResponse {
}

export interface UpdateSizeResponse__Output {
}
