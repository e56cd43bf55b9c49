import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_CHUNK_BYTES, PROTO_ROOT, packageDefinition } from "./index.js";

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
    expect(packageDefinition["ptykeep.store.v1.StoreService"]).toBeDefined();
    expect(packageDefinition["ptykeep.pty.v1.PtyService"]).toBeDefined();
    expect(packageDefinition["grpc.health.v1.Health"]).toBeDefined();
  });
});

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
