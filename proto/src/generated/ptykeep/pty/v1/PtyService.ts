// Original file: ptykeep/pty/v1/pty.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AttachRequest as _ptykeep_pty_v1_AttachRequest, AttachRequest__Output as _ptykeep_pty_v1_AttachRequest__Output } from '../../../ptykeep/pty/v1/AttachRequest.js';
import type { AttachResponse as _ptykeep_pty_v1_AttachResponse, AttachResponse__Output as _ptykeep_pty_v1_AttachResponse__Output } from '../../../ptykeep/pty/v1/AttachResponse.js';
import type { CheckLivenessRequest as _ptykeep_pty_v1_CheckLivenessRequest, CheckLivenessRequest__Output as _ptykeep_pty_v1_CheckLivenessRequest__Output } from '../../../ptykeep/pty/v1/CheckLivenessRequest.js';
import type { CheckLivenessResponse as _ptykeep_pty_v1_CheckLivenessResponse, CheckLivenessResponse__Output as _ptykeep_pty_v1_CheckLivenessResponse__Output } from '../../../ptykeep/pty/v1/CheckLivenessResponse.js';
import type { InteractRequest as _ptykeep_pty_v1_InteractRequest, InteractRequest__Output as _ptykeep_pty_v1_InteractRequest__Output } from '../../../ptykeep/pty/v1/InteractRequest.js';
import type { InteractResponse as _ptykeep_pty_v1_InteractResponse, InteractResponse__Output as _ptykeep_pty_v1_InteractResponse__Output } from '../../../ptykeep/pty/v1/InteractResponse.js';
import type { KillRequest as _ptykeep_pty_v1_KillRequest, KillRequest__Output as _ptykeep_pty_v1_KillRequest__Output } from '../../../ptykeep/pty/v1/KillRequest.js';
import type { KillResponse as _ptykeep_pty_v1_KillResponse, KillResponse__Output as _ptykeep_pty_v1_KillResponse__Output } from '../../../ptykeep/pty/v1/KillResponse.js';
import type { ListSessionsRequest as _ptykeep_pty_v1_ListSessionsRequest, ListSessionsRequest__Output as _ptykeep_pty_v1_ListSessionsRequest__Output } from '../../../ptykeep/pty/v1/ListSessionsRequest.js';
import type { ListSessionsResponse as _ptykeep_pty_v1_ListSessionsResponse, ListSessionsResponse__Output as _ptykeep_pty_v1_ListSessionsResponse__Output } from '../../../ptykeep/pty/v1/ListSessionsResponse.js';
import type { ResizeRequest as _ptykeep_pty_v1_ResizeRequest, ResizeRequest__Output as _ptykeep_pty_v1_ResizeRequest__Output } from '../../../ptykeep/pty/v1/ResizeRequest.js';
import type { ResizeResponse as _ptykeep_pty_v1_ResizeResponse, ResizeResponse__Output as _ptykeep_pty_v1_ResizeResponse__Output } from '../../../ptykeep/pty/v1/ResizeResponse.js';
import type { SignalRequest as _ptykeep_pty_v1_SignalRequest, SignalRequest__Output as _ptykeep_pty_v1_SignalRequest__Output } from '../../../ptykeep/pty/v1/SignalRequest.js';
import type { SignalResponse as _ptykeep_pty_v1_SignalResponse, SignalResponse__Output as _ptykeep_pty_v1_SignalResponse__Output } from '../../../ptykeep/pty/v1/SignalResponse.js';
import type { SpawnRequest as _ptykeep_pty_v1_SpawnRequest, SpawnRequest__Output as _ptykeep_pty_v1_SpawnRequest__Output } from '../../../ptykeep/pty/v1/SpawnRequest.js';
import type { SpawnResponse as _ptykeep_pty_v1_SpawnResponse, SpawnResponse__Output as _ptykeep_pty_v1_SpawnResponse__Output } from '../../../ptykeep/pty/v1/SpawnResponse.js';
import type { WriteRequest as _ptykeep_pty_v1_WriteRequest, WriteRequest__Output as _ptykeep_pty_v1_WriteRequest__Output } from '../../../ptykeep/pty/v1/WriteRequest.js';
import type { WriteResponse as _ptykeep_pty_v1_WriteResponse, WriteResponse__Output as _ptykeep_pty_v1_WriteResponse__Output } from '../../../ptykeep/pty/v1/WriteResponse.js';

export interface PtyServiceClient extends grpc.Client {
  /**
   * Streams a session's output from from_seq: replayed history first, then live output, with
   * no gap and no duplicate at the seam. Ends after the exit event of an ended session (the same
   * event ReadHistory replays); DATA_LOSS where stored history misses a chunk.
   */
  Attach(argument: _ptykeep_pty_v1_AttachRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_pty_v1_AttachResponse__Output>;
  Attach(argument: _ptykeep_pty_v1_AttachRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_pty_v1_AttachResponse__Output>;
  /**
   * Streams a session's output from from_seq: replayed history first, then live output, with
   * no gap and no duplicate at the seam. Ends after the exit event of an ended session (the same
   * event ReadHistory replays); DATA_LOSS where stored history misses a chunk.
   */
  attach(argument: _ptykeep_pty_v1_AttachRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_pty_v1_AttachResponse__Output>;
  attach(argument: _ptykeep_pty_v1_AttachRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ptykeep_pty_v1_AttachResponse__Output>;
  
  /**
   * For each id: is it running here, has it exited here, or is it unknown to this node?
   */
  CheckLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  CheckLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  CheckLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  CheckLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  /**
   * For each id: is it running here, has it exited here, or is it unknown to this node?
   */
  checkLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  checkLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  checkLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  checkLiveness(argument: _ptykeep_pty_v1_CheckLivenessRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_CheckLivenessResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One interactive viewer on one HTTP/2 stream: the caller sends an InteractOpen first, then
   * input bytes, resizes and acks in any order; the service sends a start event, then output,
   * resize and exit events in order, exactly as Attach does (replay from from_seq, then live, no
   * gap and no duplicate at the seam). A gateway maps one WebSocket onto one such stream.
   * Output goes no further than the service's window (PTY_INTERACT_WINDOW_BYTES) ahead of the
   * viewer's ack_seq; a viewer that falls too far behind is ended with RESOURCE_EXHAUSTED naming
   * the from_seq to resume from. The program never waits for a viewer.
   */
  Interact(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_pty_v1_InteractRequest, _ptykeep_pty_v1_InteractResponse__Output>;
  Interact(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_pty_v1_InteractRequest, _ptykeep_pty_v1_InteractResponse__Output>;
  /**
   * One interactive viewer on one HTTP/2 stream: the caller sends an InteractOpen first, then
   * input bytes, resizes and acks in any order; the service sends a start event, then output,
   * resize and exit events in order, exactly as Attach does (replay from from_seq, then live, no
   * gap and no duplicate at the seam). A gateway maps one WebSocket onto one such stream.
   * Output goes no further than the service's window (PTY_INTERACT_WINDOW_BYTES) ahead of the
   * viewer's ack_seq; a viewer that falls too far behind is ended with RESOURCE_EXHAUSTED naming
   * the from_seq to resume from. The program never waits for a viewer.
   */
  interact(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_pty_v1_InteractRequest, _ptykeep_pty_v1_InteractResponse__Output>;
  interact(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ptykeep_pty_v1_InteractRequest, _ptykeep_pty_v1_InteractResponse__Output>;
  
  /**
   * Ends the session: SIGHUP, then SIGTERM, then SIGKILL after a grace period, so no
   * descendant survives. Returns once the program is gone and its output is stored; DATA_LOSS
   * when the store refused to record the ending (the program is gone all the same).
   */
  Kill(argument: _ptykeep_pty_v1_KillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  Kill(argument: _ptykeep_pty_v1_KillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  Kill(argument: _ptykeep_pty_v1_KillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  Kill(argument: _ptykeep_pty_v1_KillRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Ends the session: SIGHUP, then SIGTERM, then SIGKILL after a grace period, so no
   * descendant survives. Returns once the program is gone and its output is stored; DATA_LOSS
   * when the store refused to record the ending (the program is gone all the same).
   */
  kill(argument: _ptykeep_pty_v1_KillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  kill(argument: _ptykeep_pty_v1_KillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  kill(argument: _ptykeep_pty_v1_KillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  kill(argument: _ptykeep_pty_v1_KillRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_KillResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sessions this pty-service hosts.
   */
  ListSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sessions this pty-service hosts.
   */
  listSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _ptykeep_pty_v1_ListSessionsRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes the terminal size (the program gets SIGWINCH); recorded in the history.
   */
  Resize(argument: _ptykeep_pty_v1_ResizeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  Resize(argument: _ptykeep_pty_v1_ResizeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  Resize(argument: _ptykeep_pty_v1_ResizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  Resize(argument: _ptykeep_pty_v1_ResizeRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Changes the terminal size (the program gets SIGWINCH); recorded in the history.
   */
  resize(argument: _ptykeep_pty_v1_ResizeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  resize(argument: _ptykeep_pty_v1_ResizeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  resize(argument: _ptykeep_pty_v1_ResizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  resize(argument: _ptykeep_pty_v1_ResizeRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_ResizeResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sends a signal to the program's whole process group.
   */
  Signal(argument: _ptykeep_pty_v1_SignalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  Signal(argument: _ptykeep_pty_v1_SignalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  Signal(argument: _ptykeep_pty_v1_SignalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  Signal(argument: _ptykeep_pty_v1_SignalRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sends a signal to the program's whole process group.
   */
  signal(argument: _ptykeep_pty_v1_SignalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  signal(argument: _ptykeep_pty_v1_SignalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  signal(argument: _ptykeep_pty_v1_SignalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  signal(argument: _ptykeep_pty_v1_SignalRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_SignalResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Starts a program in a new terminal. The program and its arguments are executed directly,
   * never through a shell: a file that is neither a binary nor a script with a #! line is
   * FAILED_PRECONDITION (spawn its interpreter with the file as an argument instead), as is a
   * program that does not exist or is not executable. Idempotent when the caller chooses the
   * session_id.
   */
  Spawn(argument: _ptykeep_pty_v1_SpawnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  Spawn(argument: _ptykeep_pty_v1_SpawnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  Spawn(argument: _ptykeep_pty_v1_SpawnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  Spawn(argument: _ptykeep_pty_v1_SpawnRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Starts a program in a new terminal. The program and its arguments are executed directly,
   * never through a shell: a file that is neither a binary nor a script with a #! line is
   * FAILED_PRECONDITION (spawn its interpreter with the file as an argument instead), as is a
   * program that does not exist or is not executable. Idempotent when the caller chooses the
   * session_id.
   */
  spawn(argument: _ptykeep_pty_v1_SpawnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  spawn(argument: _ptykeep_pty_v1_SpawnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  spawn(argument: _ptykeep_pty_v1_SpawnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  spawn(argument: _ptykeep_pty_v1_SpawnRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_SpawnResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Types bytes into the terminal, as keystrokes.
   */
  Write(argument: _ptykeep_pty_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _ptykeep_pty_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _ptykeep_pty_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _ptykeep_pty_v1_WriteRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Types bytes into the terminal, as keystrokes.
   */
  write(argument: _ptykeep_pty_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _ptykeep_pty_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _ptykeep_pty_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _ptykeep_pty_v1_WriteRequest, callback: grpc.requestCallback<_ptykeep_pty_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PtyServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Streams a session's output from from_seq: replayed history first, then live output, with
   * no gap and no duplicate at the seam. Ends after the exit event of an ended session (the same
   * event ReadHistory replays); DATA_LOSS where stored history misses a chunk.
   */
  Attach: grpc.handleServerStreamingCall<_ptykeep_pty_v1_AttachRequest__Output, _ptykeep_pty_v1_AttachResponse>;
  
  /**
   * For each id: is it running here, has it exited here, or is it unknown to this node?
   */
  CheckLiveness: grpc.handleUnaryCall<_ptykeep_pty_v1_CheckLivenessRequest__Output, _ptykeep_pty_v1_CheckLivenessResponse>;
  
  /**
   * One interactive viewer on one HTTP/2 stream: the caller sends an InteractOpen first, then
   * input bytes, resizes and acks in any order; the service sends a start event, then output,
   * resize and exit events in order, exactly as Attach does (replay from from_seq, then live, no
   * gap and no duplicate at the seam). A gateway maps one WebSocket onto one such stream.
   * Output goes no further than the service's window (PTY_INTERACT_WINDOW_BYTES) ahead of the
   * viewer's ack_seq; a viewer that falls too far behind is ended with RESOURCE_EXHAUSTED naming
   * the from_seq to resume from. The program never waits for a viewer.
   */
  Interact: grpc.handleBidiStreamingCall<_ptykeep_pty_v1_InteractRequest__Output, _ptykeep_pty_v1_InteractResponse>;
  
  /**
   * Ends the session: SIGHUP, then SIGTERM, then SIGKILL after a grace period, so no
   * descendant survives. Returns once the program is gone and its output is stored; DATA_LOSS
   * when the store refused to record the ending (the program is gone all the same).
   */
  Kill: grpc.handleUnaryCall<_ptykeep_pty_v1_KillRequest__Output, _ptykeep_pty_v1_KillResponse>;
  
  /**
   * Sessions this pty-service hosts.
   */
  ListSessions: grpc.handleUnaryCall<_ptykeep_pty_v1_ListSessionsRequest__Output, _ptykeep_pty_v1_ListSessionsResponse>;
  
  /**
   * Changes the terminal size (the program gets SIGWINCH); recorded in the history.
   */
  Resize: grpc.handleUnaryCall<_ptykeep_pty_v1_ResizeRequest__Output, _ptykeep_pty_v1_ResizeResponse>;
  
  /**
   * Sends a signal to the program's whole process group.
   */
  Signal: grpc.handleUnaryCall<_ptykeep_pty_v1_SignalRequest__Output, _ptykeep_pty_v1_SignalResponse>;
  
  /**
   * Starts a program in a new terminal. The program and its arguments are executed directly,
   * never through a shell: a file that is neither a binary nor a script with a #! line is
   * FAILED_PRECONDITION (spawn its interpreter with the file as an argument instead), as is a
   * program that does not exist or is not executable. Idempotent when the caller chooses the
   * session_id.
   */
  Spawn: grpc.handleUnaryCall<_ptykeep_pty_v1_SpawnRequest__Output, _ptykeep_pty_v1_SpawnResponse>;
  
  /**
   * Types bytes into the terminal, as keystrokes.
   */
  Write: grpc.handleUnaryCall<_ptykeep_pty_v1_WriteRequest__Output, _ptykeep_pty_v1_WriteResponse>;
  
}

export interface PtyServiceDefinition extends grpc.ServiceDefinition {
  Attach: MethodDefinition<_ptykeep_pty_v1_AttachRequest, _ptykeep_pty_v1_AttachResponse, _ptykeep_pty_v1_AttachRequest__Output, _ptykeep_pty_v1_AttachResponse__Output>
  CheckLiveness: MethodDefinition<_ptykeep_pty_v1_CheckLivenessRequest, _ptykeep_pty_v1_CheckLivenessResponse, _ptykeep_pty_v1_CheckLivenessRequest__Output, _ptykeep_pty_v1_CheckLivenessResponse__Output>
  Interact: MethodDefinition<_ptykeep_pty_v1_InteractRequest, _ptykeep_pty_v1_InteractResponse, _ptykeep_pty_v1_InteractRequest__Output, _ptykeep_pty_v1_InteractResponse__Output>
  Kill: MethodDefinition<_ptykeep_pty_v1_KillRequest, _ptykeep_pty_v1_KillResponse, _ptykeep_pty_v1_KillRequest__Output, _ptykeep_pty_v1_KillResponse__Output>
  ListSessions: MethodDefinition<_ptykeep_pty_v1_ListSessionsRequest, _ptykeep_pty_v1_ListSessionsResponse, _ptykeep_pty_v1_ListSessionsRequest__Output, _ptykeep_pty_v1_ListSessionsResponse__Output>
  Resize: MethodDefinition<_ptykeep_pty_v1_ResizeRequest, _ptykeep_pty_v1_ResizeResponse, _ptykeep_pty_v1_ResizeRequest__Output, _ptykeep_pty_v1_ResizeResponse__Output>
  Signal: MethodDefinition<_ptykeep_pty_v1_SignalRequest, _ptykeep_pty_v1_SignalResponse, _ptykeep_pty_v1_SignalRequest__Output, _ptykeep_pty_v1_SignalResponse__Output>
  Spawn: MethodDefinition<_ptykeep_pty_v1_SpawnRequest, _ptykeep_pty_v1_SpawnResponse, _ptykeep_pty_v1_SpawnRequest__Output, _ptykeep_pty_v1_SpawnResponse__Output>
  Write: MethodDefinition<_ptykeep_pty_v1_WriteRequest, _ptykeep_pty_v1_WriteResponse, _ptykeep_pty_v1_WriteRequest__Output, _ptykeep_pty_v1_WriteResponse__Output>
}
