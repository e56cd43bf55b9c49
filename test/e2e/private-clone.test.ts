/**
 * A clone in a directory other users cannot enter (mode 700, as under /root): `npm test`'s
 * embedded PostgreSQL and `npm start` both start from it. As root, PostgreSQL runs as another
 * user, who can reach nothing inside the clone, its binaries under node_modules included.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyRepo, startDev, type DevRun, type RepoCopy } from "../support/repo-copy.js";

let copy: RepoCopy | undefined;
const runs: DevRun[] = [];
const outside: string[] = [];
afterAll(async () => {
  for (const r of runs) r.kill();
  copy?.remove();
  const { rmSync } = await import("node:fs");
  for (const dir of outside) rmSync(dir, { recursive: true, force: true });
});

describe("a clone in a mode-700 directory", () => {
  it("runs the tests' embedded PostgreSQL and `npm start`", async () => {
    copy = copyRepo(0o700);
    const root = copy.root;

    // What the test harness starts when neither DATABASE_URL nor a container runtime is there.
    const script = `
      const { startEmbedded } = await import("./test/support/postgres.ts");
      const pg = (await import("pg")).default;
      const server = await startEmbedded();
      const c = new pg.Client({ connectionString: server.adminUrl });
      await c.connect();
      const { rows } = await c.query("SELECT current_user AS u");
      await c.end();
      await server.dispose();
      console.log("connected as " + rows[0].u);`;
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const harness = await new Promise<{ err: Error | null; stdout: string; stderr: string }>((resolve) =>
      execFile(path.join(root, "node_modules/.bin/tsx"), ["--eval", `(async () => {${script}})().catch((e) => { console.error(e); process.exit(1); })`], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ err, stdout, stderr }),
      ),
    );
    expect(harness, harness.stderr).toMatchObject({ err: null, stdout: "connected as postgres\n" });

    const dev = await startDev(root);
    runs.push(dev);
    if (process.getuid?.() === 0) {
      // The postgres user cannot enter the clone: the data lives outside it, as README says.
      expect(dev.dataDir).toMatch(/^\/var\/lib\/ptykeep\/ptykeep-[0-9a-f]{8}\/postgres$/);
      outside.push(path.dirname(dev.dataDir));
    } else {
      expect(dev.dataDir).toBe(path.join(root, ".data", "postgres"));
    }
    dev.interrupt();
    await dev.exited;
    expect(dev.output()).toMatch(/stopped\.\n$/);
  }, 150_000);
});
