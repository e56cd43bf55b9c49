import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AttachRequest as _ptykeep_pty_v1_AttachRequest, AttachRequest__Output as _ptykeep_pty_v1_AttachRequest__Output } from './ptykeep/pty/v1/AttachRequest.js';
import type { AttachResponse as _ptykeep_pty_v1_AttachResponse, AttachResponse__Output as _ptykeep_pty_v1_AttachResponse__Output } from './ptykeep/pty/v1/AttachResponse.js';
import type { CheckLivenessRequest as _ptykeep_pty_v1_CheckLivenessRequest, CheckLivenessRequest__Output as _ptykeep_pty_v1_CheckLivenessRequest__Output } from './ptykeep/pty/v1/CheckLivenessRequest.js';
import type { CheckLivenessResponse as _ptykeep_pty_v1_CheckLivenessResponse, CheckLivenessResponse__Output as _ptykeep_pty_v1_CheckLivenessResponse__Output } from './ptykeep/pty/v1/CheckLivenessResponse.js';
import type { InteractOpen as _ptykeep_pty_v1_InteractOpen, InteractOpen__Output as _ptykeep_pty_v1_InteractOpen__Output } from './ptykeep/pty/v1/InteractOpen.js';
import type { InteractRequest as _ptykeep_pty_v1_InteractRequest, InteractRequest__Output as _ptykeep_pty_v1_InteractRequest__Output } from './ptykeep/pty/v1/InteractRequest.js';
import type { InteractResponse as _ptykeep_pty_v1_InteractResponse, InteractResponse__Output as _ptykeep_pty_v1_InteractResponse__Output } from './ptykeep/pty/v1/InteractResponse.js';
import type { KillRequest as _ptykeep_pty_v1_KillRequest, KillRequest__Output as _ptykeep_pty_v1_KillRequest__Output } from './ptykeep/pty/v1/KillRequest.js';
import type { KillResponse as _ptykeep_pty_v1_KillResponse, KillResponse__Output as _ptykeep_pty_v1_KillResponse__Output } from './ptykeep/pty/v1/KillResponse.js';
import type { ListSessionsRequest as _ptykeep_pty_v1_ListSessionsRequest, ListSessionsRequest__Output as _ptykeep_pty_v1_ListSessionsRequest__Output } from './ptykeep/pty/v1/ListSessionsRequest.js';
import type { ListSessionsResponse as _ptykeep_pty_v1_ListSessionsResponse, ListSessionsResponse__Output as _ptykeep_pty_v1_ListSessionsResponse__Output } from './ptykeep/pty/v1/ListSessionsResponse.js';
import type { PtyServiceClient as _ptykeep_pty_v1_PtyServiceClient, PtyServiceDefinition as _ptykeep_pty_v1_PtyServiceDefinition } from './ptykeep/pty/v1/PtyService.js';
import type { PtySession as _ptykeep_pty_v1_PtySession, PtySession__Output as _ptykeep_pty_v1_PtySession__Output } from './ptykeep/pty/v1/PtySession.js';
import type { ResizeRequest as _ptykeep_pty_v1_ResizeRequest, ResizeRequest__Output as _ptykeep_pty_v1_ResizeRequest__Output } from './ptykeep/pty/v1/ResizeRequest.js';
import type { ResizeResponse as _ptykeep_pty_v1_ResizeResponse, ResizeResponse__Output as _ptykeep_pty_v1_ResizeResponse__Output } from './ptykeep/pty/v1/ResizeResponse.js';
import type { SessionLiveness as _ptykeep_pty_v1_SessionLiveness, SessionLiveness__Output as _ptykeep_pty_v1_SessionLiveness__Output } from './ptykeep/pty/v1/SessionLiveness.js';
import type { SignalRequest as _ptykeep_pty_v1_SignalRequest, SignalRequest__Output as _ptykeep_pty_v1_SignalRequest__Output } from './ptykeep/pty/v1/SignalRequest.js';
import type { SignalResponse as _ptykeep_pty_v1_SignalResponse, SignalResponse__Output as _ptykeep_pty_v1_SignalResponse__Output } from './ptykeep/pty/v1/SignalResponse.js';
import type { SpawnRequest as _ptykeep_pty_v1_SpawnRequest, SpawnRequest__Output as _ptykeep_pty_v1_SpawnRequest__Output } from './ptykeep/pty/v1/SpawnRequest.js';
import type { SpawnResponse as _ptykeep_pty_v1_SpawnResponse, SpawnResponse__Output as _ptykeep_pty_v1_SpawnResponse__Output } from './ptykeep/pty/v1/SpawnResponse.js';
import type { TerminalSize as _ptykeep_pty_v1_TerminalSize, TerminalSize__Output as _ptykeep_pty_v1_TerminalSize__Output } from './ptykeep/pty/v1/TerminalSize.js';
import type { WriteRequest as _ptykeep_pty_v1_WriteRequest, WriteRequest__Output as _ptykeep_pty_v1_WriteRequest__Output } from './ptykeep/pty/v1/WriteRequest.js';
import type { WriteResponse as _ptykeep_pty_v1_WriteResponse, WriteResponse__Output as _ptykeep_pty_v1_WriteResponse__Output } from './ptykeep/pty/v1/WriteResponse.js';
import type { AppendOutputRequest as _ptykeep_store_v1_AppendOutputRequest, AppendOutputRequest__Output as _ptykeep_store_v1_AppendOutputRequest__Output } from './ptykeep/store/v1/AppendOutputRequest.js';
import type { AppendOutputResponse as _ptykeep_store_v1_AppendOutputResponse, AppendOutputResponse__Output as _ptykeep_store_v1_AppendOutputResponse__Output } from './ptykeep/store/v1/AppendOutputResponse.js';
import type { ChunkRejection as _ptykeep_store_v1_ChunkRejection, ChunkRejection__Output as _ptykeep_store_v1_ChunkRejection__Output } from './ptykeep/store/v1/ChunkRejection.js';
import type { DeleteSessionRequest as _ptykeep_store_v1_DeleteSessionRequest, DeleteSessionRequest__Output as _ptykeep_store_v1_DeleteSessionRequest__Output } from './ptykeep/store/v1/DeleteSessionRequest.js';
import type { DeleteSessionResponse as _ptykeep_store_v1_DeleteSessionResponse, DeleteSessionResponse__Output as _ptykeep_store_v1_DeleteSessionResponse__Output } from './ptykeep/store/v1/DeleteSessionResponse.js';
import type { GetSessionRequest as _ptykeep_store_v1_GetSessionRequest, GetSessionRequest__Output as _ptykeep_store_v1_GetSessionRequest__Output } from './ptykeep/store/v1/GetSessionRequest.js';
import type { GetSessionResponse as _ptykeep_store_v1_GetSessionResponse, GetSessionResponse__Output as _ptykeep_store_v1_GetSessionResponse__Output } from './ptykeep/store/v1/GetSessionResponse.js';
import type { HistoryEnd as _ptykeep_store_v1_HistoryEnd, HistoryEnd__Output as _ptykeep_store_v1_HistoryEnd__Output } from './ptykeep/store/v1/HistoryEnd.js';
import type { HistoryStart as _ptykeep_store_v1_HistoryStart, HistoryStart__Output as _ptykeep_store_v1_HistoryStart__Output } from './ptykeep/store/v1/HistoryStart.js';
import type { ListSessionsRequest as _ptykeep_store_v1_ListSessionsRequest, ListSessionsRequest__Output as _ptykeep_store_v1_ListSessionsRequest__Output } from './ptykeep/store/v1/ListSessionsRequest.js';
import type { ListSessionsResponse as _ptykeep_store_v1_ListSessionsResponse, ListSessionsResponse__Output as _ptykeep_store_v1_ListSessionsResponse__Output } from './ptykeep/store/v1/ListSessionsResponse.js';
import type { MarkExitedRequest as _ptykeep_store_v1_MarkExitedRequest, MarkExitedRequest__Output as _ptykeep_store_v1_MarkExitedRequest__Output } from './ptykeep/store/v1/MarkExitedRequest.js';
import type { MarkExitedResponse as _ptykeep_store_v1_MarkExitedResponse, MarkExitedResponse__Output as _ptykeep_store_v1_MarkExitedResponse__Output } from './ptykeep/store/v1/MarkExitedResponse.js';
import type { MarkRunningRequest as _ptykeep_store_v1_MarkRunningRequest, MarkRunningRequest__Output as _ptykeep_store_v1_MarkRunningRequest__Output } from './ptykeep/store/v1/MarkRunningRequest.js';
import type { MarkRunningResponse as _ptykeep_store_v1_MarkRunningResponse, MarkRunningResponse__Output as _ptykeep_store_v1_MarkRunningResponse__Output } from './ptykeep/store/v1/MarkRunningResponse.js';
import type { OutputChunk as _ptykeep_store_v1_OutputChunk, OutputChunk__Output as _ptykeep_store_v1_OutputChunk__Output } from './ptykeep/store/v1/OutputChunk.js';
import type { ReadHistoryRequest as _ptykeep_store_v1_ReadHistoryRequest, ReadHistoryRequest__Output as _ptykeep_store_v1_ReadHistoryRequest__Output } from './ptykeep/store/v1/ReadHistoryRequest.js';
import type { ReadHistoryResponse as _ptykeep_store_v1_ReadHistoryResponse, ReadHistoryResponse__Output as _ptykeep_store_v1_ReadHistoryResponse__Output } from './ptykeep/store/v1/ReadHistoryResponse.js';
import type { RegisterSessionRequest as _ptykeep_store_v1_RegisterSessionRequest, RegisterSessionRequest__Output as _ptykeep_store_v1_RegisterSessionRequest__Output } from './ptykeep/store/v1/RegisterSessionRequest.js';
import type { RegisterSessionResponse as _ptykeep_store_v1_RegisterSessionResponse, RegisterSessionResponse__Output as _ptykeep_store_v1_RegisterSessionResponse__Output } from './ptykeep/store/v1/RegisterSessionResponse.js';
import type { ScreenSnapshot as _ptykeep_store_v1_ScreenSnapshot, ScreenSnapshot__Output as _ptykeep_store_v1_ScreenSnapshot__Output } from './ptykeep/store/v1/ScreenSnapshot.js';
import type { Session as _ptykeep_store_v1_Session, Session__Output as _ptykeep_store_v1_Session__Output } from './ptykeep/store/v1/Session.js';
import type { SessionExit as _ptykeep_store_v1_SessionExit, SessionExit__Output as _ptykeep_store_v1_SessionExit__Output } from './ptykeep/store/v1/SessionExit.js';
import type { SizeChange as _ptykeep_store_v1_SizeChange, SizeChange__Output as _ptykeep_store_v1_SizeChange__Output } from './ptykeep/store/v1/SizeChange.js';
import type { StoreServiceClient as _ptykeep_store_v1_StoreServiceClient, StoreServiceDefinition as _ptykeep_store_v1_StoreServiceDefinition } from './ptykeep/store/v1/StoreService.js';
import type { UnreachableInterval as _ptykeep_store_v1_UnreachableInterval, UnreachableInterval__Output as _ptykeep_store_v1_UnreachableInterval__Output } from './ptykeep/store/v1/UnreachableInterval.js';
import type { UpdateSizeRequest as _ptykeep_store_v1_UpdateSizeRequest, UpdateSizeRequest__Output as _ptykeep_store_v1_UpdateSizeRequest__Output } from './ptykeep/store/v1/UpdateSizeRequest.js';
import type { UpdateSizeResponse as _ptykeep_store_v1_UpdateSizeResponse, UpdateSizeResponse__Output as _ptykeep_store_v1_UpdateSizeResponse__Output } from './ptykeep/store/v1/UpdateSizeResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  ptykeep: {
    pty: {
      v1: {
        AttachRequest: MessageTypeDefinition<_ptykeep_pty_v1_AttachRequest, _ptykeep_pty_v1_AttachRequest__Output>
        AttachResponse: MessageTypeDefinition<_ptykeep_pty_v1_AttachResponse, _ptykeep_pty_v1_AttachResponse__Output>
        CheckLivenessRequest: MessageTypeDefinition<_ptykeep_pty_v1_CheckLivenessRequest, _ptykeep_pty_v1_CheckLivenessRequest__Output>
        CheckLivenessResponse: MessageTypeDefinition<_ptykeep_pty_v1_CheckLivenessResponse, _ptykeep_pty_v1_CheckLivenessResponse__Output>
        InteractOpen: MessageTypeDefinition<_ptykeep_pty_v1_InteractOpen, _ptykeep_pty_v1_InteractOpen__Output>
        InteractRequest: MessageTypeDefinition<_ptykeep_pty_v1_InteractRequest, _ptykeep_pty_v1_InteractRequest__Output>
        InteractResponse: MessageTypeDefinition<_ptykeep_pty_v1_InteractResponse, _ptykeep_pty_v1_InteractResponse__Output>
        KillRequest: MessageTypeDefinition<_ptykeep_pty_v1_KillRequest, _ptykeep_pty_v1_KillRequest__Output>
        KillResponse: MessageTypeDefinition<_ptykeep_pty_v1_KillResponse, _ptykeep_pty_v1_KillResponse__Output>
        ListSessionsRequest: MessageTypeDefinition<_ptykeep_pty_v1_ListSessionsRequest, _ptykeep_pty_v1_ListSessionsRequest__Output>
        ListSessionsResponse: MessageTypeDefinition<_ptykeep_pty_v1_ListSessionsResponse, _ptykeep_pty_v1_ListSessionsResponse__Output>
        Liveness: EnumTypeDefinition
        PtyService: SubtypeConstructor<typeof grpc.Client, _ptykeep_pty_v1_PtyServiceClient> & { service: _ptykeep_pty_v1_PtyServiceDefinition }
        PtySession: MessageTypeDefinition<_ptykeep_pty_v1_PtySession, _ptykeep_pty_v1_PtySession__Output>
        ResizeRequest: MessageTypeDefinition<_ptykeep_pty_v1_ResizeRequest, _ptykeep_pty_v1_ResizeRequest__Output>
        ResizeResponse: MessageTypeDefinition<_ptykeep_pty_v1_ResizeResponse, _ptykeep_pty_v1_ResizeResponse__Output>
        SessionLiveness: MessageTypeDefinition<_ptykeep_pty_v1_SessionLiveness, _ptykeep_pty_v1_SessionLiveness__Output>
        SignalRequest: MessageTypeDefinition<_ptykeep_pty_v1_SignalRequest, _ptykeep_pty_v1_SignalRequest__Output>
        SignalResponse: MessageTypeDefinition<_ptykeep_pty_v1_SignalResponse, _ptykeep_pty_v1_SignalResponse__Output>
        SpawnRequest: MessageTypeDefinition<_ptykeep_pty_v1_SpawnRequest, _ptykeep_pty_v1_SpawnRequest__Output>
        SpawnResponse: MessageTypeDefinition<_ptykeep_pty_v1_SpawnResponse, _ptykeep_pty_v1_SpawnResponse__Output>
        TerminalSize: MessageTypeDefinition<_ptykeep_pty_v1_TerminalSize, _ptykeep_pty_v1_TerminalSize__Output>
        WriteRequest: MessageTypeDefinition<_ptykeep_pty_v1_WriteRequest, _ptykeep_pty_v1_WriteRequest__Output>
        WriteResponse: MessageTypeDefinition<_ptykeep_pty_v1_WriteResponse, _ptykeep_pty_v1_WriteResponse__Output>
      }
    }
    store: {
      v1: {
        AppendOutputRequest: MessageTypeDefinition<_ptykeep_store_v1_AppendOutputRequest, _ptykeep_store_v1_AppendOutputRequest__Output>
        AppendOutputResponse: MessageTypeDefinition<_ptykeep_store_v1_AppendOutputResponse, _ptykeep_store_v1_AppendOutputResponse__Output>
        ChunkRejection: MessageTypeDefinition<_ptykeep_store_v1_ChunkRejection, _ptykeep_store_v1_ChunkRejection__Output>
        DeleteSessionRequest: MessageTypeDefinition<_ptykeep_store_v1_DeleteSessionRequest, _ptykeep_store_v1_DeleteSessionRequest__Output>
        DeleteSessionResponse: MessageTypeDefinition<_ptykeep_store_v1_DeleteSessionResponse, _ptykeep_store_v1_DeleteSessionResponse__Output>
        EndReason: EnumTypeDefinition
        GetSessionRequest: MessageTypeDefinition<_ptykeep_store_v1_GetSessionRequest, _ptykeep_store_v1_GetSessionRequest__Output>
        GetSessionResponse: MessageTypeDefinition<_ptykeep_store_v1_GetSessionResponse, _ptykeep_store_v1_GetSessionResponse__Output>
        HistoryEnd: MessageTypeDefinition<_ptykeep_store_v1_HistoryEnd, _ptykeep_store_v1_HistoryEnd__Output>
        HistoryEndReason: EnumTypeDefinition
        HistoryStart: MessageTypeDefinition<_ptykeep_store_v1_HistoryStart, _ptykeep_store_v1_HistoryStart__Output>
        Limits: EnumTypeDefinition
        ListSessionsRequest: MessageTypeDefinition<_ptykeep_store_v1_ListSessionsRequest, _ptykeep_store_v1_ListSessionsRequest__Output>
        ListSessionsResponse: MessageTypeDefinition<_ptykeep_store_v1_ListSessionsResponse, _ptykeep_store_v1_ListSessionsResponse__Output>
        MarkExitedRequest: MessageTypeDefinition<_ptykeep_store_v1_MarkExitedRequest, _ptykeep_store_v1_MarkExitedRequest__Output>
        MarkExitedResponse: MessageTypeDefinition<_ptykeep_store_v1_MarkExitedResponse, _ptykeep_store_v1_MarkExitedResponse__Output>
        MarkRunningRequest: MessageTypeDefinition<_ptykeep_store_v1_MarkRunningRequest, _ptykeep_store_v1_MarkRunningRequest__Output>
        MarkRunningResponse: MessageTypeDefinition<_ptykeep_store_v1_MarkRunningResponse, _ptykeep_store_v1_MarkRunningResponse__Output>
        OutputChunk: MessageTypeDefinition<_ptykeep_store_v1_OutputChunk, _ptykeep_store_v1_OutputChunk__Output>
        ReadHistoryRequest: MessageTypeDefinition<_ptykeep_store_v1_ReadHistoryRequest, _ptykeep_store_v1_ReadHistoryRequest__Output>
        ReadHistoryResponse: MessageTypeDefinition<_ptykeep_store_v1_ReadHistoryResponse, _ptykeep_store_v1_ReadHistoryResponse__Output>
        RegisterSessionRequest: MessageTypeDefinition<_ptykeep_store_v1_RegisterSessionRequest, _ptykeep_store_v1_RegisterSessionRequest__Output>
        RegisterSessionResponse: MessageTypeDefinition<_ptykeep_store_v1_RegisterSessionResponse, _ptykeep_store_v1_RegisterSessionResponse__Output>
        ScreenSnapshot: MessageTypeDefinition<_ptykeep_store_v1_ScreenSnapshot, _ptykeep_store_v1_ScreenSnapshot__Output>
        ScreenStatus: EnumTypeDefinition
        Session: MessageTypeDefinition<_ptykeep_store_v1_Session, _ptykeep_store_v1_Session__Output>
        SessionExit: MessageTypeDefinition<_ptykeep_store_v1_SessionExit, _ptykeep_store_v1_SessionExit__Output>
        SessionState: EnumTypeDefinition
        SizeChange: MessageTypeDefinition<_ptykeep_store_v1_SizeChange, _ptykeep_store_v1_SizeChange__Output>
        /**
         * StoreService keeps sessions and their output in PostgreSQL. It is stateless apart from the
         * database, so any number of replicas may serve the same address.
         */
        StoreService: SubtypeConstructor<typeof grpc.Client, _ptykeep_store_v1_StoreServiceClient> & { service: _ptykeep_store_v1_StoreServiceDefinition }
        UnreachableInterval: MessageTypeDefinition<_ptykeep_store_v1_UnreachableInterval, _ptykeep_store_v1_UnreachableInterval__Output>
        UnreachableOutcome: EnumTypeDefinition
        UpdateSizeRequest: MessageTypeDefinition<_ptykeep_store_v1_UpdateSizeRequest, _ptykeep_store_v1_UpdateSizeRequest__Output>
        UpdateSizeResponse: MessageTypeDefinition<_ptykeep_store_v1_UpdateSizeResponse, _ptykeep_store_v1_UpdateSizeResponse__Output>
      }
    }
  }
}

