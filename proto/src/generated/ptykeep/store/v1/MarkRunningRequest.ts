// Original file: ptykeep/store/v1/store.proto


export interface MarkRunningRequest {
  'sessionId'?: (string);
  'pid'?: (number);
}

export interface MarkRunningRequest__Output {
  'sessionId': (string);
  'pid': (number);
}
