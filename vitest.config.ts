import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["proto/src/**/*.test.ts", "store-service/src/**/*.test.ts", "pty-service/src/**/*.test.ts", "cli/src/**/*.test.ts", "web/src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Real PostgreSQL and real PTYs: generous per-test bound, but every test stops by itself.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only queue for CPU and make timing-sensitive paths flaky.
    maxWorkers: 2,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" },
  },
});
