/**
 * The one set of @grpc/proto-loader options, shared by the runtime loader (load.ts) and by the
 * type generator (gen-types.ts), so generated types always describe what the loader returns.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Folder holding the `ptykeep/...` .proto tree (the include root). */
export const PROTO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const PROTO_FILES = ["ptykeep/store/v1/store.proto", "ptykeep/pty/v1/pty.proto"] as const;

export const LOADER_OPTIONS = Object.freeze({
  // camelCase field names in JavaScript, as grpc-js callers expect.
  keepCase: false,
  // Seqs and offsets stay far below 2^53, so plain numbers are exact and cheap.
  longs: Number,
  // Enum values as their names ("SESSION_STATE_RUNNING"): readable in logs and JSON.
  enums: String,
  // Missing scalar fields read as their zero value; validators then check ranges, not presence.
  defaults: true,
  // `event` oneofs expose which member is set.
  oneofs: true,
  includeDirs: [PROTO_ROOT],
});
