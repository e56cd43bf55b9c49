/**
 * What the built `ptykeep` command loads before it answers: `help` nothing beyond its own
 * grammar, `ls` the gRPC client and the contract but no server code, logger, metrics or
 * .proto compiler. Start-up time is measured by benchmarks, not here; this checks the modules.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "ptykeep-startup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Preloaded into the command: at exit, writes the files of every CommonJS module it loaded.
// grpc-js, proto-loader, protobufjs, pino and prom-client are CommonJS, so an import of one from
// the CLI's ES modules enters require.cache too.
const RECORDER = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
const cache = createRequire(process.execPath).cache;
process.on("exit", () => writeFileSync(process.env.PTYKEEP_LOADED_OUT, JSON.stringify(Object.keys(cache))));
`)}`;

/** The npm packages (by name) the command loaded while running `args`, and how it ended. */
function packagesLoaded(args: string[]): Promise<{ code: number | null; stderr: string; packages: Set<string> }> {
  const out = path.join(tmp, `${args.join("_")}.json`);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", RECORDER, path.join(ROOT, "cli", "bin", "ptykeep.js"), ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PTYKEEP_LOADED_OUT: out }, timeout: 30_000 },
      (err, _stdout, stderr) => {
        try {
          const files = JSON.parse(readFileSync(out, "utf8")) as string[];
          const packages = new Set(files.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined));
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr, packages });
        } catch (e) {
          reject(new Error(`ptykeep ${args.join(" ")} recorded nothing (${(e as Error).message}); stderr: ${stderr}`));
        }
      },
    );
  });
}

const SERVER_SIDE = ["prom-client", "pino", "@grpc/reflection", "grpc-health-check", "@grpc/proto-loader"];

describe("ptykeep start-up", () => {
  it("help loads no gRPC, protobuf, logger or metrics package", async () => {
    const help = await packagesLoaded(["help"]);
    expect(help.code, help.stderr).toBe(0);
    for (const pkg of ["@grpc/grpc-js", "protobufjs", ...SERVER_SIDE]) expect(help.packages, pkg).not.toContain(pkg);
  }, 60_000);

  it("ls loads the gRPC client and nothing of the servers", async () => {
    // Nothing listens on port 1: the command runs to its first call and fails.
    const ls = await packagesLoaded(["--store", "127.0.0.1:1", "ls"]);
    expect(ls.stderr).toMatch(/cannot reach store-service at 127\.0\.0\.1:1/);
    expect(ls.packages).toContain("@grpc/grpc-js");
    for (const pkg of SERVER_SIDE) expect(ls.packages, pkg).not.toContain(pkg);
  }, 60_000);
});
