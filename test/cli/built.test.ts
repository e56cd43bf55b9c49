/**
 * The `ptykeep` command and the images' processes (the web gateway's too) run the JavaScript built
 * once (scripts/build.mjs, by `npm ci`), not TypeScript compiled at every start: run here from a
 * copy of the checkout with no TypeScript runner installed (tsx removed from its node_modules).
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/embedded-postgres.js";
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
  it("runs the CLI, both services, the web gateway and the health probes without tsx", async () => {
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

    // The web image's command: a bad variable exits 2; with a good configuration it serves the
    // page (bundled at start-up from web/page) and its health probe, and a SIGTERM ends it with 0.
    const badWeb = await run(root, ["web/dist/main.js"], { WEB_LISTEN: "nowhere" });
    expect(badWeb).toMatchObject({ code: 2, stdout: expect.stringContaining("WEB_LISTEN") });
    const port = await freePort();
    const web = spawn(process.execPath, ["web/dist/main.js"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", WEB_LISTEN: `127.0.0.1:${port}`, PTY_ADDR: "127.0.0.1:1", STORE_ADDR: "127.0.0.1:1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(web, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    let out = "";
    web.stdout.on("data", (d: Buffer) => (out += d.toString()));
    web.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = () => {
          if (!out.includes("web gateway ready")) return;
          web.stdout.off("data", onData);
          resolve();
        };
        web.stdout.on("data", onData);
        void exited.then(() => reject(new Error(`the built gateway exited before it was ready: ${out}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const page = await fetch(`${base}/`);
      expect(await page.text()).toMatch(/^<!doctype html>/i);
      const script = await fetch(`${base}/app.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(100_000);
      const probe = await run(root, ["web/dist/healthcheck.js", String(port)]);
      expect(probe, probe.stderr).toMatchObject({ code: 0 });
    } finally {
      web.kill("SIGTERM");
    }
    expect(await exited, out).toEqual([0, null]);
  }, 60_000);
});
