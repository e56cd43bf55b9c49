#!/usr/bin/env node
/**
 * Builds the workspaces' TypeScript to JavaScript once (`tsc -b`, incremental: a no-op when
 * nothing changed), for what runs without tsx: the `ptykeep` command and the images. Run by
 * `npm ci` (the root package's `prepare`), by `npm run build`, by the test harness before a run,
 * and in the image build. Development (`npm start`, the tests, the benchmarks) runs the sources
 * through tsx.
 *
 * Each workspace's output goes to <workspace>/dist (git-ignored), beside its src, so paths the code
 * takes relative to its own file (proto files, migrations, the native addon) hold in both. The
 * workspaces' package.json files export their TypeScript sources (for tsx, vitest and tsc), so the
 * built code finds the built @ptykeep/proto through <workspace>/dist/node_modules/@ptykeep/proto,
 * a link to proto/dist, which Node looks in before the repository's node_modules (and the web
 * gateway finds the CLI's built asciicast encoder the same way, through @ptykeep/cli).
 *
 * A production install (`npm ci --omit=dev`, as in the image's dependency stage) has no
 * TypeScript: nothing is built there, and the image builds in a stage of its own.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Built workspaces that other built workspaces import, and who imports them. */
const LIBRARIES = { proto: ["store-service", "pty-service", "cli", "web"], cli: ["web"] };

let tsc;
try {
  tsc = createRequire(path.join(ROOT, "package.json")).resolve("typescript/bin/tsc");
} catch {
  console.log("build: TypeScript is not installed (a production install): nothing to build");
  process.exit(0);
}
execFileSync(process.execPath, [tsc, "-b", path.join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });

for (const [lib, users] of Object.entries(LIBRARIES)) {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, lib, "package.json"), "utf8"));
  // The same entry points as the sources' (`./src/x.ts` built to `./x.js`).
  const exports = Object.fromEntries(Object.entries(pkg.exports).map(([key, file]) => [key, file.replace(/^\.\/src\//, "./").replace(/\.ts$/, ".js")]));
  writeFileSync(path.join(ROOT, lib, "dist", "package.json"), `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: "module", exports }, null, 2)}\n`);
  for (const ws of users) {
    const scope = path.join(ROOT, ws, "dist", "node_modules", "@ptykeep");
    mkdirSync(scope, { recursive: true });
    const link = path.join(scope, lib);
    rmSync(link, { recursive: true, force: true });
    symlinkSync(path.relative(scope, path.join(ROOT, lib, "dist")), link, "dir");
  }
}
