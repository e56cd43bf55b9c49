/**
 * Loads the contract at run time and exposes the typed service constructors (clients, and the
 * service definitions servers add), and, for servers, the descriptors that server reflection
 * serves (the health service included, so `grpcurl list` shows it too).
 *
 * The contract comes from src/generated/contract.json: the protobufjs root that proto-loader's
 * loadSync builds from the .proto files with LOADER_OPTIONS, written by `npm run gen`. Loading it
 * takes protobufjs's reflection runtime only; parsing the .proto text at every start, and
 * proto-loader, which builds descriptors for every type, took most of a client's start-up.
 * The service definitions are the ones proto-loader makes (same paths, method names,
 * serialisation and LOADER_OPTIONS conversions); contract.test.ts compares them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import protobuf from "protobufjs/light.js";
import { LOADER_OPTIONS, PROTO_ROOT } from "./loader-options.js";
import type { ProtoGrpcType as StoreProto } from "./generated/store.js";
import type { ProtoGrpcType as PtyProto } from "./generated/pty.js";

const GENERATED = path.join(PROTO_ROOT, "src", "generated");

/** The contract's types, services and enums (protobufjs reflection). */
export const contractRoot: protobuf.Root = protobuf.Root.fromJSON(JSON.parse(readFileSync(path.join(GENERATED, "contract.json"), "utf8")) as protobuf.INamespace);
contractRoot.resolveAll();

function serializer(type: protobuf.Type): grpc.serialize<object> {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

function deserializer(type: protobuf.Type): grpc.deserialize<object> {
  return (bytes) => type.toObject(type.decode(bytes), LOADER_OPTIONS);
}

/**
 * The name grpc-js also binds a method under (`ReadHistory` → `readHistory`), as proto-loader and
 * the generated types name it; contract.test.ts checks every method against proto-loader's.
 */
function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A grpc-js service definition for a service of the contract, as proto-loader would build it. */
export function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  const service = contractRoot.lookupService(fullName);
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: lowerCamel(method.name),
    };
  }
  return definition;
}

export const STORE_SERVICE_NAME = "ptykeep.store.v1.StoreService";
export const PTY_SERVICE_NAME = "ptykeep.pty.v1.PtyService";
export const HEALTH_SERVICE_NAME = "grpc.health.v1.Health";

export const storeV1 = { StoreService: grpc.makeClientConstructor(serviceDefinition(STORE_SERVICE_NAME), "StoreService") } as unknown as StoreProto["ptykeep"]["store"]["v1"];
export const ptyV1 = { PtyService: grpc.makeClientConstructor(serviceDefinition(PTY_SERVICE_NAME), "PtyService") } as unknown as PtyProto["ptykeep"]["pty"]["v1"];

let reflection: PackageDefinition | undefined;

/**
 * What server reflection serves: the descriptor set `npm run gen` builds with buf (see
 * gen-types.ts for why not proto-loader's descriptors), one FileDescriptorProto per file. Built
 * on first use: only servers need it.
 */
export function reflectionDefinition(): PackageDefinition {
  reflection ??= (() => {
    const require = createRequire(import.meta.url);
    const { FileDescriptorSet, FileDescriptorProto } = require("protobufjs/ext/descriptor") as {
      FileDescriptorSet: { decode(bytes: Uint8Array): { file: unknown[] } };
      FileDescriptorProto: { encode(file: unknown): { finish(): Uint8Array } };
    };
    const set = FileDescriptorSet.decode(readFileSync(path.join(GENERATED, "descriptor-set.binpb")));
    const fileDescriptorProtos = set.file.map((file) => Buffer.from(FileDescriptorProto.encode(file).finish()));
    return { "ptykeep.reflection": { fileDescriptorProtos } } as unknown as PackageDefinition;
  })();
  return reflection;
}

/**
 * Largest `data` in one OutputChunk, from the contract's Limits enum. Senders split bigger reads;
 * the store refuses bigger chunks with INVALID_ARGUMENT.
 */
export const MAX_CHUNK_BYTES: number = (() => {
  const value = contractRoot.lookupEnum("ptykeep.store.v1.Limits").values.LIMITS_MAX_CHUNK_BYTES;
  if (!value) throw new Error("store.proto lost LIMITS_MAX_CHUNK_BYTES");
  return value;
})();
