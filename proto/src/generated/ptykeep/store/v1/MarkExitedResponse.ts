// Original file: ptykeep/store/v1/store.proto


export interface MarkExitedResponse {
}

export interface MarkExitedResponse__Output {
}
