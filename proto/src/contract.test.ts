import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import protobuf from "protobufjs/light.js";
import { afterAll, describe, expect, it } from "vitest";
import { HEALTH_SERVICE_NAME, LOADER_OPTIONS, MAX_CHUNK_BYTES, PROTO_FILES, PROTO_ROOT, PTY_SERVICE_NAME, STORE_SERVICE_NAME, contractRoot, serviceDefinition } from "./index.js";

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

describe("contract", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "ptykeep-gen-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("committed generated types match the .proto files (run `npm run gen` after editing them)", () => {
    const tsx = path.join(PROTO_ROOT, "..", "node_modules", ".bin", "tsx");
    execFileSync(tsx, [path.join(PROTO_ROOT, "src", "gen-types.ts"), "--out", tmp], { stdio: "pipe" });
    const committed = path.join(PROTO_ROOT, "src", "generated");
    const fresh = listFiles(tmp).sort();
    expect(listFiles(committed).sort()).toEqual(fresh);
    for (const file of fresh) {
      expect(readFileSync(path.join(committed, file), "utf8"), file).toBe(readFileSync(path.join(tmp, file), "utf8"));
    }
  });

  it("publishes the chunk size limit and both services", () => {
    expect(MAX_CHUNK_BYTES).toBe(256 * 1024);
    for (const name of [STORE_SERVICE_NAME, PTY_SERVICE_NAME, HEALTH_SERVICE_NAME]) expect(contractRoot.lookupService(name).methodsArray.length, name).toBeGreaterThan(0);
  });

  it("serves, encodes and decodes every method as proto-loader does from the .proto files", () => {
    const fromProto = protoLoader.loadSync([...PROTO_FILES, healthProtoPath], LOADER_OPTIONS);
    const services = Object.keys(fromProto).filter((name) => !("format" in fromProto[name]!));
    expect(services.sort()).toEqual([HEALTH_SERVICE_NAME, PTY_SERVICE_NAME, STORE_SERVICE_NAME].sort());
    for (const name of services) {
      const expected = fromProto[name] as protoLoader.ServiceDefinition;
      const actual = serviceDefinition(name);
      expect(Object.keys(actual).sort(), name).toEqual(Object.keys(expected).sort());
      for (const [methodName, method] of Object.entries(contractRoot.lookupService(name).methods)) {
        const want = expected[methodName]!;
        const got = actual[methodName]!;
        const where = `${name}/${methodName}`;
        expect({ path: got.path, requestStream: got.requestStream, responseStream: got.responseStream, originalName: got.originalName }, where).toEqual({
          path: want.path,
          requestStream: want.requestStream,
          responseStream: want.responseStream,
          originalName: want.originalName,
        });
        const sides = [
          { type: method.resolvedRequestType!, serialize: [want.requestSerialize, got.requestSerialize], deserialize: [want.requestDeserialize, got.requestDeserialize] },
          { type: method.resolvedResponseType!, serialize: [want.responseSerialize, got.responseSerialize], deserialize: [want.responseDeserialize, got.responseDeserialize] },
        ] as const;
        for (const { type, serialize, deserialize } of sides) {
          for (const message of [{}, sampleMessage(type)]) {
            const bytes = serialize[0](message);
            expect(serialize[1](message), `${where} ${type.name}`).toEqual(bytes);
            expect(deserialize[1](bytes), `${where} ${type.name}`).toEqual(deserialize[0](bytes));
          }
        }
      }
    }
  });
});

/** A message of `type` with every field set to a value other than its default (one member per oneof). */
function sampleMessage(type: protobuf.Type, depth = 0): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  const laterMembers = new Set(type.oneofsArray.flatMap((oneof) => oneof.fieldsArray.slice(1).map((f) => f.name)));
  for (const field of type.fieldsArray) {
    if (laterMembers.has(field.name)) continue;
    if (field instanceof protobuf.MapField) message[field.name] = { [field.keyType === "string" ? "key" : "7"]: sampleValue(field, depth) };
    else message[field.name] = field.repeated ? [sampleValue(field, depth), sampleValue(field, depth)] : sampleValue(field, depth);
  }
  return message;
}

function sampleValue(field: protobuf.Field, depth: number): unknown {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return depth < 3 ? sampleMessage(resolved, depth + 1) : {};
  if (resolved instanceof protobuf.Enum) return Object.keys(resolved.values).at(-1);
  switch (field.type) {
    case "string":
      return `${field.name} é\u{1F600}`;
    case "bytes":
      return Buffer.from([0, 255, 10, 27]);
    case "bool":
      return true;
    case "double":
    case "float":
      return 1.5;
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return 2 ** 40 + 3;
    default:
      return 300;
  }
}

describe("server reflection", () => {
  it("lets grpc tooling list and describe every method with no .proto at hand", async () => {
    const { startServer, createLogger, storeV1, HEALTH_SERVICE_NAME, STORE_SERVICE_NAME } = await import("./index.js");
    const server = await startServer({
      address: "127.0.0.1:0",
      services: [{ name: STORE_SERVICE_NAME, definition: storeV1.StoreService.service, implementation: {} }],
      log: createLogger("test", "silent"),
    });
    try {
      const buf = path.join(PROTO_ROOT, "..", "node_modules", ".bin", "buf");
      // Asynchronous: the server answering lives on this process's event loop.
      const curl = async (...args: string[]) => (await promisify(execFile)(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { encoding: "utf8", timeout: 20_000 })).stdout;
      const methods = (await curl("--list-methods", `http://127.0.0.1:${server.port}`)).trim().split("\n");
      expect(methods).toContain(`${STORE_SERVICE_NAME}/AppendOutput`);
      expect(methods).toContain(`${STORE_SERVICE_NAME}/ReadHistory`);
      expect(methods).toContain(`${HEALTH_SERVICE_NAME}/Check`);
      expect(methods).not.toContain("ptykeep.pty.v1.PtyService/Spawn");
      expect(JSON.parse(await curl(`http://127.0.0.1:${server.port}/${HEALTH_SERVICE_NAME}/Check`))).toEqual({ status: "SERVING" });
    } finally {
      await server.stop(1000);
    }
  });
});
