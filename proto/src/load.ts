/**
 * Loads the .proto contract at run time with the shared LOADER_OPTIONS and exposes the typed
 * service constructors, the service definitions and the package definition that server
 * reflection serves (the health service included, so `grpcurl list` shows it too).
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { LOADER_OPTIONS, PROTO_FILES } from "./loader-options.js";
import type { ProtoGrpcType as StoreProto } from "./generated/store.js";
import type { ProtoGrpcType as PtyProto } from "./generated/pty.js";

export const packageDefinition = protoLoader.loadSync([...PROTO_FILES, healthProtoPath], LOADER_OPTIONS);

const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as StoreProto & PtyProto;

export const storeV1 = loaded.ptykeep.store.v1;
export const ptyV1 = loaded.ptykeep.pty.v1;

export const STORE_SERVICE_NAME = "ptykeep.store.v1.StoreService";
export const PTY_SERVICE_NAME = "ptykeep.pty.v1.PtyService";
export const HEALTH_SERVICE_NAME = "grpc.health.v1.Health";

/**
 * Largest `data` in one OutputChunk, from the contract's Limits enum. Senders split bigger reads;
 * the store refuses bigger chunks with INVALID_ARGUMENT.
 */
export const MAX_CHUNK_BYTES: number = (() => {
  const limits = packageDefinition["ptykeep.store.v1.Limits"] as protoLoader.EnumTypeDefinition;
  const values = (limits.type as { value: Array<{ name: string; number: number }> }).value;
  const value = values.find((v) => v.name === "LIMITS_MAX_CHUNK_BYTES")?.number;
  if (!value) throw new Error("store.proto lost LIMITS_MAX_CHUNK_BYTES");
  return value;
})();
