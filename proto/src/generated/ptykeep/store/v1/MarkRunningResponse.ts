// Original file: ptykeep/store/v1/store.proto


export interface MarkRunningResponse {
}

export interface MarkRunningResponse__Output {
}
