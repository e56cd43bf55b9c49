/**
 * Shared by the security suites: development certificates made by scripts/dev-certs.sh (the
 * same tool operators use), and one generic call that invokes any RPC of a service definition,
 * whatever its kind, and reports the status it ends with.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { inject } from "vitest";
import type { Logger } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { loadStoreConfig, startStoreService } from "../../store-service/src/index.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../../pty-service/src/index.js";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** Bounds each call of the security suites: a refusal comes back in milliseconds. */
export const CALL_DEADLINE_MS = 10_000;

export interface DevCerts {
  dir: string;
  file(name: string): string;
  /** The full and read-only tokens the tool wrote. */
  fullToken: string;
  readOnlyToken: string;
  remove(): void;
}

export function makeDevCerts(): DevCerts {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-certs-"));
  execFileSync("bash", [path.join(REPO_ROOT, "scripts/dev-certs.sh"), dir], { stdio: "pipe" });
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    file,
    fullToken: readFileSync(file("token"), "utf8").trim(),
    readOnlyToken: readFileSync(file("token-read-only"), "utf8").trim(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function bearer(token: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  return md;
}

/**
 * Calls `method` of `definition` with an empty request and the given metadata; resolves with the
 * final status code (OK included). Streams are opened, half-closed at once and read to the end.
 */
export function statusOf(client: grpc.Client, definition: grpc.ServiceDefinition, method: string, metadata: grpc.Metadata): Promise<{ code: grpc.status; details: string }> {
  const m = definition[method]!;
  const options = { deadline: Date.now() + CALL_DEADLINE_MS };
  const empty = {};
  return new Promise((resolve) => {
    const onStatus = (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details });
    if (!m.requestStream && !m.responseStream) {
      const c = client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, empty, metadata, options, () => {});
      c.on("status", onStatus);
    } else if (!m.requestStream) {
      const c = client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, empty, metadata, options);
      c.on("data", () => {});
      c.on("error", () => {});
      c.on("status", onStatus);
    } else if (m.responseStream) {
      const c = client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, metadata, options);
      c.on("data", () => {});
      c.on("error", () => {});
      c.on("status", onStatus);
      c.end();
    } else {
      const c = client.makeClientStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, metadata, options, () => {});
      c.on("status", onStatus);
      c.end();
    }
  });
}

/** A store and a pty-service in-process on port 0 with the given environments (TLS, tokens…). */
export async function startServices(prefix: string, opts: { storeEnv?: Record<string, string>; ptyEnv?: Record<string, string>; log?: Logger }) {
  const db = await createTestDatabase(inject("pgAdminUrl"), prefix);
  const store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", ...opts.storeEnv }), log: opts.log });
  let pty: RunningPty;
  try {
    pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: store.address, PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp", ...opts.ptyEnv }), log: opts.log });
  } catch (err) {
    await store.stop(1_000);
    await db.drop();
    throw err;
  }
  return {
    store,
    pty,
    close: async () => {
      await pty.stop(5_000);
      await store.stop(2_000);
      await db.drop();
    },
  };
}
