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
export { startServices } from "../support/services.js";
