/**
 * Token parsing and the authorisation decision, without a server: entry syntax and roles, files
 * with comments, refusals that never echo a token, read-only paths, open health and reflection,
 * and which listen addresses count as loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { ConfigError } from "./config.js";
import { authorize, isLoopbackListen, loadClientToken, loadTokens } from "./auth.js";

const FULL = "full-token-0123456789abcdef";
const RO = "read-only-token-0123456789";
const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bearer = (token: string) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
};

describe("loadTokens", () => {
  it("reads a list and a file with comments, bare entries being full", () => {
    const file = path.join(dir, "tokens");
    writeFileSync(file, `# tokens\n\nread-only:${RO}  # the dashboard\n`);
    const tokens = loadTokens({ X_TOKENS: FULL, X_TOKENS_FILE: file }, "X")!;
    expect(tokens.size).toBe(2);
    expect(tokens.roleOf(FULL)).toBe("full");
    expect(tokens.roleOf(RO)).toBe("read-only");
    expect(tokens.roleOf("unknown-token-000000")).toBeUndefined();
    expect(loadTokens({}, "X")).toBeUndefined();
  });

  it("refuses bad entries naming the variable or file line, never the token", () => {
    const file = path.join(dir, "bad");
    writeFileSync(file, `full:${FULL}\nsuper:${RO}\n`);
    expect(() => loadTokens({ X_TOKENS_FILE: file }, "X")).toThrow(new ConfigError('X_TOKENS_FILE line 2: role "super" is not full or read-only (entries are TOKEN, full:TOKEN or read-only:TOKEN)'));
    expect(() => loadTokens({ X_TOKENS: "abc def ghi jkl mno pqr" }, "X")).toThrow(/X_TOKENS: a token contains characters/);
    const empty = path.join(dir, "empty");
    writeFileSync(empty, "# nothing\n");
    expect(() => loadTokens({ X_TOKENS_FILE: empty }, "X")).toThrow(/holds no token/);
    const refusal = (() => {
      try {
        loadTokens({ X_TOKENS: `admin:${FULL}` }, "X");
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    })();
    expect(refusal).toMatch(/^X_TOKENS: role "admin"/);
    expect(refusal).not.toContain(FULL);
  });

  it("reads a client token from its file before the variable", () => {
    const file = path.join(dir, "token");
    writeFileSync(file, `${FULL}\n`);
    expect(loadClientToken({ T_TOKEN: RO, T_TOKEN_FILE: file }, "T_TOKEN")).toBe(FULL);
    expect(loadClientToken({ T_TOKEN: RO }, "T_TOKEN")).toBe(RO);
    expect(loadClientToken({}, "T_TOKEN")).toBeUndefined();
  });
});

describe("authorize", () => {
  const tokens = loadTokens({ X_TOKENS: `full:${FULL},read-only:${RO}` }, "X")!;

  it("lets read-only tokens look and full tokens do anything", () => {
    expect(authorize(tokens, "/ptykeep.pty.v1.PtyService/Attach", bearer(RO))).toBeUndefined();
    expect(authorize(tokens, "/ptykeep.store.v1.StoreService/ReadHistory", bearer(RO))).toBeUndefined();
    expect(authorize(tokens, "/ptykeep.pty.v1.PtyService/Spawn", bearer(RO))?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(authorize(tokens, "/ptykeep.pty.v1.PtyService/SomeFutureRpc", bearer(RO))?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(authorize(tokens, "/ptykeep.pty.v1.PtyService/Spawn", bearer(FULL))).toBeUndefined();
  });

  it("keeps health and reflection open", () => {
    expect(authorize(tokens, "/grpc.health.v1.Health/Check", new grpc.Metadata())).toBeUndefined();
    expect(authorize(tokens, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", new grpc.Metadata())).toBeUndefined();
    expect(authorize(tokens, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", new grpc.Metadata())).toBeUndefined();
  });

  it("refuses missing and unknown tokens", () => {
    expect(authorize(tokens, "/ptykeep.pty.v1.PtyService/Attach", new grpc.Metadata())?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(authorize(tokens, "/ptykeep.pty.v1.PtyService/Attach", bearer("not-a-known-token-at-all"))?.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});

it("knows loopback listen addresses", () => {
  for (const a of ["127.0.0.1:1", "127.1.2.3:1", "[::1]:1", "localhost:1", "unix:/tmp/s"]) expect(isLoopbackListen(a), a).toBe(true);
  for (const a of ["0.0.0.0:1", "[::]:1", "10.0.0.1:1", "pty-service:1"]) expect(isLoopbackListen(a), a).toBe(false);
});
