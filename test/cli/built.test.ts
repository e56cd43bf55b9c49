/**
 * The `ptykeep` command and the images' processes run the JavaScript built once (scripts/build.mjs,
 * by `npm ci`), not TypeScript compiled at every start: run here from a copy of the checkout with
 * no TypeScript runner installed (tsx removed from its node_modules).
 */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyRepo, type RepoCopy } from "../support/repo-copy.js";

let copy: RepoCopy | undefined;
afterAll(() => copy?.remove());

function run(root: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe("built JavaScript", () => {
  it("runs the CLI, both services and the health probe without tsx", async () => {
    copy = copyRepo(0o755);
    const root = copy.root;
    for (const p of ["node_modules/tsx", "node_modules/.bin/tsx"]) rmSync(path.join(root, p), { recursive: true, force: true });

    const help = await run(root, ["cli/bin/ptykeep.js", "help"]);
    expect(help, help.stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: ptykeep /) });
    // ls talks gRPC (the built @ptykeep/proto loads the contract): nothing listens there.
    const ls = await run(root, ["cli/bin/ptykeep.js", "--store", "127.0.0.1:1", "ls"]);
    expect(ls).toMatchObject({ code: 1, stderr: expect.stringMatching(/cannot reach store-service at 127\.0\.0\.1:1/) });

    // The images' commands (deploy/Dockerfile): each loads its whole program, then refuses the
    // configuration it was given (exit 2 naming the variable) or reports the server down.
    const store = await run(root, ["store-service/dist/main.js"]);
    // (The services log as JSON lines on stdout.)
    expect(store).toMatchObject({ code: 2, stdout: expect.stringContaining("DATABASE_URL is required") });
    const pty = await run(root, ["pty-service/dist/main.js"], { PTY_LISTEN: "nowhere" });
    expect(pty).toMatchObject({ code: 2, stdout: expect.stringContaining('PTY_LISTEN=\\"nowhere\\" is not host:port') });
    const health = await run(root, ["proto/dist/healthcheck.js", "127.0.0.1:1"]);
    expect(health).toMatchObject({ code: 1, stderr: expect.stringContaining("unhealthy: 127.0.0.1:1") });
  }, 60_000);
});
