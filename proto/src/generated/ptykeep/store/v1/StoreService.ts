// Original file: ptykeep/store/v1/store.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AppendOutputRequest as _ptykeep_store_v1_AppendOutputRequest, AppendOutputRequest__Output as _ptykeep_store_v1_AppendOutputRequest__Output } from '../../../ptykeep/store/v1/AppendOutputRequest.js';
import type { AppendOutputResponse as _ptykeep_store_v1_AppendOutputResponse, AppendOutputResponse__Output as _ptykeep_store_v1_AppendOutputResponse__Output } from '../../../ptykeep/store/v1/AppendOutputResponse.js';
import type { DeleteSessionRequest as _ptykeep_store_v1_DeleteSessionRequest, DeleteSessionRequest__Output as _ptykeep_store_v1_DeleteSessionRequest__Output } from '../../../ptykeep/store/v1/DeleteSessionRequest.js';
import type { DeleteSessionResponse as _ptykeep_store_v1_DeleteSessionResponse, DeleteSessionResponse__Output as _ptykeep_store_v1_DeleteSessionResponse__Output } from '../../../ptykeep/store/v1/DeleteSessionResponse.js';
import type { GetSessionRequest as _ptykeep_store_v1_GetSessionRequest, GetSessionRequest__Output as _ptykeep_store_v1_GetSessionRequest__Output } from '../../../ptykeep/store/v1/GetSessionRequest.js';
import type { GetSessionResponse as _ptykeep_store_v1_GetSessionResponse, GetSessionResponse__Output as _ptykeep_store_v1_GetSessionResponse__Output } from '../../../ptykeep/store/v1/GetSessionResponse.js';
import type { ListSessionsRequest as _ptykeep_store_v1_ListSessionsRequest, ListSessionsRequest__Output as _ptykeep_store_v1_ListSessionsRequest__Output } from '../../../ptykeep/store/v1/ListSessionsRequest.js';
import type { ListSessionsResponse as _ptykeep_store_v1_ListSessionsResponse, ListSessionsResponse__Output as _ptykeep_store_v1_ListSessionsResponse__Output } from '../../../ptykeep/store/v1/ListSessionsResponse.js';
import type { MarkExitedRequest as _ptykeep_store_v1_MarkExitedRequest, MarkExitedRequest__Output as _ptykeep_store_v1_MarkExitedRequest__Output } from '../../../ptykeep/store/v1/MarkExitedRequest.js';
import type { MarkExitedResponse as _ptykeep_store_v1_MarkExitedResponse, MarkExitedResponse__Output as _ptykeep_store_v1_MarkExitedResponse__Output } from '../../../ptykeep/store/v1/MarkExitedResponse.js';
import type { MarkRunningRequest as _ptykeep_store_v1_MarkRunningRequest, MarkRunningRequest__Output as _ptykeep_store_v1_MarkRunningRequest__Output } from '../../../ptykeep/store/v1/MarkRunningRequest.js';
import type { MarkRunningResponse as _ptykeep_store_v1_MarkRunningResponse, MarkRunningResponse__Output as _ptykeep_store_v1_MarkRunningResponse__Output } from '../../../ptykeep/store/v1/MarkRunningResponse.js';
import type { ReadHistoryRequest as _ptykeep_store_v1_ReadHistoryRequest, ReadHistoryRequest__Output as _ptykeep_store_v1_ReadHistoryRequest__Output } from '../../../ptykeep/store/v1/ReadHistoryRequest.js';
import type { ReadHistoryResponse as _ptykeep_store_v1_ReadHistoryResponse, ReadHistoryResponse__Output as _ptykeep_store_v1_ReadHistoryResponse__Output } from '../../../ptykeep/store/v1/ReadHistoryResponse.js';
import type { RegisterSessionRequest as _ptykeep_store_v1_RegisterSessionRequest, RegisterSessionRequest__Output as _ptykeep_store_v1_RegisterSessionRequest__Output } from '../../../ptykeep/store/v1/RegisterSessionRequest.js';
import type { RegisterSessionResponse as _ptykeep_store_v1_RegisterSessionResponse, RegisterSessionResponse__Output as _ptykeep_store_v1_RegisterSessionResponse__Output } from '../../../ptykeep/store/v1/RegisterSessionResponse.js';
import type { UpdateSizeRequest as _ptykeep_store_v1_UpdateSizeRequest, UpdateSizeRequest__Output as _ptykeep_store_v1_UpdateSizeRequest__Output } from '../../../ptykeep/store/v1/UpdateSizeRequest.js';
import type { UpdateSizeResponse as _ptykeep_store_v1_UpdateSizeResponse, UpdateSizeResponse__Output as _ptykeep_store_v1_UpdateSizeResponse__Output } from '../../../ptykeep/store/v1/UpdateSizeResponse.js';

/**
 * StoreService keeps sessions and their output in PostgreSQL. It is stateless apart from the
 * database, so any number of replicas may serve the same address.
 */
export interface StoreServiceClient extends grpc.Client {
  /**
   * Output chunks of any number of sessions in, durability acks out. A chunk is acknowledged
   * only after it is committed; resending an acknowledged chunk is harmless (never stored twice).
   * A chunk the store refuses for its session (unknown, ended...) gets a rejection and the call
   * carries on; a malformed chunk (session_id not a UUID, seq 0, no ts, data over the limit) ends
   * the call with INVALID_ARGUMENT once the chunks before it are committed and acknowledged.
   */
  AppendOutput(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_store_v1_AppendOutputRequest, _ptykeep_store_v1_AppendOutputResponse__Output>;
  AppendOutput(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_store_v1_AppendOutputRequest, _ptykeep_store_v1_AppendOutputResponse__Output>;
  /**
   * Output chunks of any number of sessions in, durability acks out. A chunk is acknowledged
   * only after it is committed; resending an acknowledged chunk is harmless (never stored twice).
   * A chunk the store refuses for its session (unknown, ended...) gets a rejection and the call
   * carries on; a malformed chunk (session_id not a UUID, seq 0, no ts, data over the limit) ends
   * the call with INVALID_ARGUMENT once the chunks before it are committed and acknowledged.
   */
  appendOutput(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_store_v1_AppendOutputRequest, _ptykeep_store_v1_AppendOutputResponse__Output>;
  appendOutput(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_store_v1_AppendOutputRequest, _ptykeep_store_v1_AppendOutputResponse__Output>;
  
  /**
   * Removes a session and all of its history.
   */
  DeleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  DeleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Removes a session and all of its history.
   */
  deleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  deleteSession(argument: _ptykeep_store_v1_DeleteSessionRequest, callback: grpc.requestCallback<_ptykeep_store_v1_DeleteSessionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One session's record.
   */
  GetSession(argument: _ptykeep_store_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _ptykeep_store_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _ptykeep_store_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _ptykeep_store_v1_GetSessionRequest, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One session's record.
   */
  getSession(argument: _ptykeep_store_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _ptykeep_store_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _ptykeep_store_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  getSession(argument: _ptykeep_store_v1_GetSessionRequest, callback: grpc.requestCallback<_ptykeep_store_v1_GetSessionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sessions filtered by state, node and labels, newest first, in pages.
   */
  ListSessions(argument: _ptykeep_store_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _ptykeep_store_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _ptykeep_store_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _ptykeep_store_v1_ListSessionsRequest, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sessions filtered by state, node and labels, newest first, in pages.
   */
  listSessions(argument: _ptykeep_store_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _ptykeep_store_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _ptykeep_store_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _ptykeep_store_v1_ListSessionsRequest, callback: grpc.requestCallback<_ptykeep_store_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The program has ended and all of its output up to final_seq has been sent. Idempotent.
   */
  MarkExited(argument: _ptykeep_store_v1_MarkExitedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  MarkExited(argument: _ptykeep_store_v1_MarkExitedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  MarkExited(argument: _ptykeep_store_v1_MarkExitedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  MarkExited(argument: _ptykeep_store_v1_MarkExitedRequest, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The program has ended and all of its output up to final_seq has been sent. Idempotent.
   */
  markExited(argument: _ptykeep_store_v1_MarkExitedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  markExited(argument: _ptykeep_store_v1_MarkExitedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  markExited(argument: _ptykeep_store_v1_MarkExitedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  markExited(argument: _ptykeep_store_v1_MarkExitedRequest, callback: grpc.requestCallback<_ptykeep_store_v1_MarkExitedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The program has started with this pid (state starting -> running). Idempotent.
   */
  MarkRunning(argument: _ptykeep_store_v1_MarkRunningRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  MarkRunning(argument: _ptykeep_store_v1_MarkRunningRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  MarkRunning(argument: _ptykeep_store_v1_MarkRunningRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  MarkRunning(argument: _ptykeep_store_v1_MarkRunningRequest, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The program has started with this pid (state starting -> running). Idempotent.
   */
  markRunning(argument: _ptykeep_store_v1_MarkRunningRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  markRunning(argument: _ptykeep_store_v1_MarkRunningRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  markRunning(argument: _ptykeep_store_v1_MarkRunningRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  markRunning(argument: _ptykeep_store_v1_MarkRunningRequest, callback: grpc.requestCallback<_ptykeep_store_v1_MarkRunningResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replays a session's history in order: output, resize and exit events, between a start
   * message and an end message that says where and why the replay stopped.
   */
  ReadHistory(argument: _ptykeep_store_v1_ReadHistoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_store_v1_ReadHistoryResponse__Output>;
  ReadHistory(argument: _ptykeep_store_v1_ReadHistoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_store_v1_ReadHistoryResponse__Output>;
  /**
   * Replays a session's history in order: output, resize and exit events, between a start
   * message and an end message that says where and why the replay stopped.
   */
  readHistory(argument: _ptykeep_store_v1_ReadHistoryRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_store_v1_ReadHistoryResponse__Output>;
  readHistory(argument: _ptykeep_store_v1_ReadHistoryRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_store_v1_ReadHistoryResponse__Output>;
  
  /**
   * Records a new session. Idempotent on session_id: repeating the same registration returns
   * the stored session; a different command or node for an existing id is ALREADY_EXISTS.
   */
  RegisterSession(argument: _ptykeep_store_v1_RegisterSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  RegisterSession(argument: _ptykeep_store_v1_RegisterSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  RegisterSession(argument: _ptykeep_store_v1_RegisterSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  RegisterSession(argument: _ptykeep_store_v1_RegisterSessionRequest, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records a new session. Idempotent on session_id: repeating the same registration returns
   * the stored session; a different command or node for an existing id is ALREADY_EXISTS.
   */
  registerSession(argument: _ptykeep_store_v1_RegisterSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  registerSession(argument: _ptykeep_store_v1_RegisterSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  registerSession(argument: _ptykeep_store_v1_RegisterSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  registerSession(argument: _ptykeep_store_v1_RegisterSessionRequest, callback: grpc.requestCallback<_ptykeep_store_v1_RegisterSessionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The terminal was resized after output chunk at_seq. Idempotent on (session_id, change_no).
   */
  UpdateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  UpdateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  UpdateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  UpdateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The terminal was resized after output chunk at_seq. Idempotent on (session_id, change_no).
   */
  updateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  updateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  updateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  updateSize(argument: _ptykeep_store_v1_UpdateSizeRequest, callback: grpc.requestCallback<_ptykeep_store_v1_UpdateSizeResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * StoreService keeps sessions and their output in PostgreSQL. It is stateless apart from the
 * database, so any number of replicas may serve the same address.
 */
export interface StoreServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Output chunks of any number of sessions in, durability acks out. A chunk is acknowledged
   * only after it is committed; resending an acknowledged chunk is harmless (never stored twice).
   * A chunk the store refuses for its session (unknown, ended...) gets a rejection and the call
   * carries on; a malformed chunk (session_id not a UUID, seq 0, no ts, data over the limit) ends
   * the call with INVALID_ARGUMENT once the chunks before it are committed and acknowledged.
   */
  AppendOutput: grpc.handleBidiStreamingCall<_ptykeep_store_v1_AppendOutputRequest__Output, _ptykeep_store_v1_AppendOutputResponse>;
  
  /**
   * Removes a session and all of its history.
   */
  DeleteSession: grpc.handleUnaryCall<_ptykeep_store_v1_DeleteSessionRequest__Output, _ptykeep_store_v1_DeleteSessionResponse>;
  
  /**
   * One session's record.
   */
  GetSession: grpc.handleUnaryCall<_ptykeep_store_v1_GetSessionRequest__Output, _ptykeep_store_v1_GetSessionResponse>;
  
  /**
   * Sessions filtered by state, node and labels, newest first, in pages.
   */
  ListSessions: grpc.handleUnaryCall<_ptykeep_store_v1_ListSessionsRequest__Output, _ptykeep_store_v1_ListSessionsResponse>;
  
  /**
   * The program has ended and all of its output up to final_seq has been sent. Idempotent.
   */
  MarkExited: grpc.handleUnaryCall<_ptykeep_store_v1_MarkExitedRequest__Output, _ptykeep_store_v1_MarkExitedResponse>;
  
  /**
   * The program has started with this pid (state starting -> running). Idempotent.
   */
  MarkRunning: grpc.handleUnaryCall<_ptykeep_store_v1_MarkRunningRequest__Output, _ptykeep_store_v1_MarkRunningResponse>;
  
  /**
   * Replays a session's history in order: output, resize and exit events, between a start
   * message and an end message that says where and why the replay stopped.
   */
  ReadHistory: grpc.handleServerStreamingCall<_ptykeep_store_v1_ReadHistoryRequest__Output, _ptykeep_store_v1_ReadHistoryResponse>;
  
  /**
   * Records a new session. Idempotent on session_id: repeating the same registration returns
   * the stored session; a different command or node for an existing id is ALREADY_EXISTS.
   */
  RegisterSession: grpc.handleUnaryCall<_ptykeep_store_v1_RegisterSessionRequest__Output, _ptykeep_store_v1_RegisterSessionResponse>;
  
  /**
   * The terminal was resized after output chunk at_seq. Idempotent on (session_id, change_no).
   */
  UpdateSize: grpc.handleUnaryCall<_ptykeep_store_v1_UpdateSizeRequest__Output, _ptykeep_store_v1_UpdateSizeResponse>;
  
}

export interface StoreServiceDefinition extends grpc.ServiceDefinition {
  AppendOutput: MethodDefinition<_ptykeep_store_v1_AppendOutputRequest, _ptykeep_store_v1_AppendOutputResponse, _ptykeep_store_v1_AppendOutputRequest__Output, _ptykeep_store_v1_AppendOutputResponse__Output>
  DeleteSession: MethodDefinition<_ptykeep_store_v1_DeleteSessionRequest, _ptykeep_store_v1_DeleteSessionResponse, _ptykeep_store_v1_DeleteSessionRequest__Output, _ptykeep_store_v1_DeleteSessionResponse__Output>
  GetSession: MethodDefinition<_ptykeep_store_v1_GetSessionRequest, _ptykeep_store_v1_GetSessionResponse, _ptykeep_store_v1_GetSessionRequest__Output, _ptykeep_store_v1_GetSessionResponse__Output>
  ListSessions: MethodDefinition<_ptykeep_store_v1_ListSessionsRequest, _ptykeep_store_v1_ListSessionsResponse, _ptykeep_store_v1_ListSessionsRequest__Output, _ptykeep_store_v1_ListSessionsResponse__Output>
  MarkExited: MethodDefinition<_ptykeep_store_v1_MarkExitedRequest, _ptykeep_store_v1_MarkExitedResponse, _ptykeep_store_v1_MarkExitedRequest__Output, _ptykeep_store_v1_MarkExitedResponse__Output>
  MarkRunning: MethodDefinition<_ptykeep_store_v1_MarkRunningRequest, _ptykeep_store_v1_MarkRunningResponse, _ptykeep_store_v1_MarkRunningRequest__Output, _ptykeep_store_v1_MarkRunningResponse__Output>
  ReadHistory: MethodDefinition<_ptykeep_store_v1_ReadHistoryRequest, _ptykeep_store_v1_ReadHistoryResponse, _ptykeep_store_v1_ReadHistoryRequest__Output, _ptykeep_store_v1_ReadHistoryResponse__Output>
  RegisterSession: MethodDefinition<_ptykeep_store_v1_RegisterSessionRequest, _ptykeep_store_v1_RegisterSessionResponse, _ptykeep_store_v1_RegisterSessionRequest__Output, _ptykeep_store_v1_RegisterSessionResponse__Output>
  UpdateSize: MethodDefinition<_ptykeep_store_v1_UpdateSizeRequest, _ptykeep_store_v1_UpdateSizeResponse, _ptykeep_store_v1_UpdateSizeRequest__Output, _ptykeep_store_v1_UpdateSizeResponse__Output>
}
