/** loadStoreConfig: defaults, overrides, and start-up errors that name the variable. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "@ptykeep/proto";
import { STORE_DEFAULTS, loadStoreConfig } from "./config.js";

const URL = "postgres://u:p@127.0.0.1:5432/db";

describe("loadStoreConfig", () => {
  it("applies defaults and freezes the result", () => {
    const c = loadStoreConfig({ DATABASE_URL: URL });
    expect(c).toMatchObject({ listen: "127.0.0.1:50052", databaseUrl: URL, flushBytes: STORE_DEFAULTS.FLUSH_BYTES, flushMs: STORE_DEFAULTS.FLUSH_MS, seqWindow: STORE_DEFAULTS.SEQ_WINDOW });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("reads every tunable", () => {
    const c = loadStoreConfig({
      DATABASE_URL: URL,
      STORE_LISTEN: "127.0.0.1:0",
      STORE_FLUSH_BYTES: "65536",
      STORE_FLUSH_MS: "5",
      STORE_MAX_PENDING_BYTES: "1048576",
      STORE_POOL_SIZE: "4",
      STORE_PG_CONNECT_TIMEOUT_MS: "1000",
      STORE_PG_STATEMENT_TIMEOUT_MS: "2000",
      STORE_SHUTDOWN_GRACE_MS: "3000",
      STORE_SEQ_WINDOW: "10",
    });
    expect(c).toMatchObject({
      listen: "127.0.0.1:0",
      databaseUrl: URL,
      flushBytes: 65536,
      flushMs: 5,
      maxPendingBytes: 1048576,
      poolSize: 4,
      connectTimeoutMs: 1000,
      statementTimeoutMs: 2000,
      shutdownGraceMs: 3000,
      seqWindow: 10,
    });
  });

  it("reads the compactor, retention and reaper settings", () => {
    expect(loadStoreConfig({ DATABASE_URL: URL })).toMatchObject({ compactor: true, reaper: true, retentionBytes: 50 * 1024 * 1024, retentionMaxAgeMs: 0 });
    const c = loadStoreConfig({
      DATABASE_URL: URL,
      STORE_COMPACTOR: "off",
      STORE_COMPACT_INTERVAL_MS: "500",
      STORE_COMPACT_AFTER_MS: "0",
      STORE_RETENTION_BYTES: "1000",
      STORE_RETENTION_MAX_AGE_MS: "86400000",
      STORE_REAPER: "off",
      STORE_REAPER_INTERVAL_MS: "200",
      STORE_REAPER_GRACE_MS: "1000",
      STORE_REAPER_MIN_AGE_MS: "0",
      STORE_REAPER_CHECK_TIMEOUT_MS: "100",
      STORE_REAPER_RECHECK_MS: "5000",
    });
    expect(c).toMatchObject({
      compactor: false,
      compactIntervalMs: 500,
      compactAfterMs: 0,
      retentionBytes: 1000,
      retentionMaxAgeMs: 86_400_000,
      reaper: false,
      reaperIntervalMs: 200,
      reaperGraceMs: 1000,
      reaperMinAgeMs: 0,
      reaperCheckTimeoutMs: 100,
      reaperRecheckMs: 5000,
    });
    expect(() => loadStoreConfig({ DATABASE_URL: URL, STORE_REAPER: "maybe" })).toThrow(/STORE_REAPER/);
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{}, /DATABASE_URL is required/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL must be a postgres/],
    [{ DATABASE_URL: URL, STORE_LISTEN: "nowhere" }, /STORE_LISTEN/],
    [{ DATABASE_URL: URL, STORE_FLUSH_MS: "soon" }, /STORE_FLUSH_MS="soon" is not an integer/],
    [{ DATABASE_URL: URL, STORE_POOL_SIZE: "1" }, /STORE_POOL_SIZE=1 is out of range/],
    [{ DATABASE_URL: URL, STORE_FLUSH_BYTES: "2097152", STORE_MAX_PENDING_BYTES: "1048576" }, /STORE_MAX_PENDING_BYTES=1048576 must be at least STORE_FLUSH_BYTES/],
    // A check outlasting the interval would stretch the time between checks past the promise.
    [{ DATABASE_URL: URL, STORE_REAPER_INTERVAL_MS: "3000", STORE_REAPER_CHECK_TIMEOUT_MS: "10000" }, /STORE_REAPER_CHECK_TIMEOUT_MS=10000 must be below STORE_REAPER_INTERVAL_MS=3000/],
    [{ DATABASE_URL: URL, STORE_REAPER_CHECK_TIMEOUT_MS: "10000" }, /STORE_REAPER_CHECK_TIMEOUT_MS=10000 must be below STORE_REAPER_INTERVAL_MS=10000/],
    [{ DATABASE_URL: URL, STORE_REAPER_RECHECK_MS: "-1" }, /STORE_REAPER_RECHECK_MS/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      expect(() => loadStoreConfig(env)).toThrow(ConfigError);
      expect(() => loadStoreConfig(env)).toThrow(message);
    });
  }
});

describe("loadStoreConfig: the screen snapshot job", () => {
  it("reads its settings, with defaults", () => {
    expect(loadStoreConfig({ DATABASE_URL: URL })).toMatchObject({
      snapshotter: true,
      snapshotEveryBytes: STORE_DEFAULTS.SNAPSHOT_EVERY_BYTES,
      snapshotScrollback: STORE_DEFAULTS.SNAPSHOT_SCROLLBACK,
      snapshotCpuPercent: STORE_DEFAULTS.SNAPSHOT_CPU_PERCENT,
    });
    expect(
      loadStoreConfig({
        DATABASE_URL: URL,
        STORE_SNAPSHOTTER: "off",
        STORE_SNAPSHOT_INTERVAL_MS: "500",
        STORE_SNAPSHOT_EVERY_BYTES: "4096",
        STORE_SNAPSHOT_EVERY_MS: "1000",
        STORE_SNAPSHOT_KEEP_EVERY_BYTES: "65536",
        STORE_SNAPSHOT_SCROLLBACK: "50",
        STORE_SNAPSHOT_CPU_PERCENT: "100",
      }),
    ).toMatchObject({ snapshotter: false, snapshotIntervalMs: 500, snapshotEveryBytes: 4096, snapshotEveryMs: 1000, snapshotKeepEveryBytes: 65536, snapshotScrollback: 50, snapshotCpuPercent: 100 });
  });

  it("refuses bad values naming the variable", () => {
    for (const [name, value] of [
      ["STORE_SNAPSHOT_EVERY_BYTES", "12"],
      ["STORE_SNAPSHOT_SCROLLBACK", "-1"],
      ["STORE_SNAPSHOT_INTERVAL_MS", "soon"],
      ["STORE_SNAPSHOTTER", "maybe"],
      ["STORE_SNAPSHOT_CPU_PERCENT", "0"],
      ["STORE_SNAPSHOT_CPU_PERCENT", "101"],
      ["STORE_SNAPSHOT_CPU_PERCENT", "0.5"],
    ] as const) {
      expect(() => loadStoreConfig({ DATABASE_URL: URL, [name]: value })).toThrow(ConfigError);
      expect(() => loadStoreConfig({ DATABASE_URL: URL, [name]: value })).toThrow(name);
    }
  });
});
