/**
 * Loads the .proto contract at run time with the shared LOADER_OPTIONS and exposes the typed
 * service constructors, the service definitions and the package definition that server
 * reflection serves (the health service included, so `grpcurl list` shows it too).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { LOADER_OPTIONS, PROTO_FILES, PROTO_ROOT } from "./loader-options.js";
import type { ProtoGrpcType as StoreProto } from "./generated/store.js";
import type { ProtoGrpcType as PtyProto } from "./generated/pty.js";

export const packageDefinition = protoLoader.loadSync([...PROTO_FILES, healthProtoPath], LOADER_OPTIONS);

const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as StoreProto & PtyProto;

export const storeV1 = loaded.ptykeep.store.v1;
export const ptyV1 = loaded.ptykeep.pty.v1;

/**
 * What server reflection serves: the descriptor set `npm run gen` builds with buf (see
 * gen-types.ts for why not proto-loader's descriptors), one FileDescriptorProto per file.
 */
export const reflectionDefinition: protoLoader.PackageDefinition = (() => {
  const require = createRequire(import.meta.url);
  const { FileDescriptorSet, FileDescriptorProto } = require("protobufjs/ext/descriptor") as {
    FileDescriptorSet: { decode(bytes: Uint8Array): { file: unknown[] } };
    FileDescriptorProto: { encode(file: unknown): { finish(): Uint8Array } };
  };
  const set = FileDescriptorSet.decode(readFileSync(path.join(PROTO_ROOT, "src", "generated", "descriptor-set.binpb")));
  const fileDescriptorProtos = set.file.map((file) => Buffer.from(FileDescriptorProto.encode(file).finish()));
  return { "ptykeep.reflection": { fileDescriptorProtos } } as unknown as protoLoader.PackageDefinition;
})();

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
