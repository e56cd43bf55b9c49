/** Configuration: defaults, overrides, and start-up refusals that name the variable. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "@ptykeep/proto";
import { loadPtyConfig } from "./config.js";

describe("loadPtyConfig", () => {
  it("listens on loopback and finds the store on loopback by default", () => {
    const config = loadPtyConfig({});
    expect(config.listen).toBe("127.0.0.1:50051");
    expect(config.storeAddr).toBe("127.0.0.1:50052");
    expect(config.advertise).toBeUndefined();
    expect(config.sessionLowWaterBytes).toBeLessThan(config.sessionHighWaterBytes);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("lets a session keep several of the store's 1 MiB flushes in flight by default", () => {
    // With a window of one flush the program paused during every commit (bench row 1).
    const config = loadPtyConfig({});
    expect(config.sessionHighWaterBytes).toBe(4 * 1024 * 1024);
    expect(config.sessionLowWaterBytes).toBe(1024 * 1024);
  });

  it("takes overrides", () => {
    const config = loadPtyConfig({ PTY_LISTEN: "127.0.0.1:0", STORE_ADDR: "127.0.0.1:1,127.0.0.1:2", PTY_ADVERTISE: "pty-a:50051", PTY_MAX_SESSIONS: "7" });
    expect(config).toMatchObject({ listen: "127.0.0.1:0", storeAddr: "127.0.0.1:1,127.0.0.1:2", advertise: "pty-a:50051", maxSessions: 7 });
  });

  it("refuses bad values, naming the variable", () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ PTY_LISTEN: "nowhere" }, /PTY_LISTEN/],
      [{ PTY_MAX_SESSIONS: "0" }, /PTY_MAX_SESSIONS/],
      [{ PTY_MAX_WRITE_BYTES: "lots" }, /PTY_MAX_WRITE_BYTES/],
      [{ PTY_SESSION_HIGH_WATER_BYTES: "100000", PTY_SESSION_LOW_WATER_BYTES: "200000" }, /PTY_SESSION_LOW_WATER_BYTES/],
      [{ PTY_DEFAULT_CWD: "relative" }, /PTY_DEFAULT_CWD/],
      [{ PTY_VIEWER_BUFFER_BYTES: "1000" }, /PTY_VIEWER_BUFFER_BYTES/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadPtyConfig(env)).toThrow(ConfigError);
      expect(() => loadPtyConfig(env)).toThrow(message);
    }
  });

  it("refuses a wildcard listen address without PTY_ADVERTISE, naming both", () => {
    // The store's reaper calls sessions' pty_node: 0.0.0.0 or [::] is no address another host can reach.
    for (const listen of ["0.0.0.0:50051", "[::]:50051", "[0:0:0:0:0:0:0:0]:50051"]) {
      const env = { PTY_LISTEN: listen, PTY_ALLOW_INSECURE_LISTEN: "true" };
      expect(() => loadPtyConfig(env)).toThrow(ConfigError);
      expect(() => loadPtyConfig(env)).toThrow(new RegExp(`PTY_LISTEN=${listen.replace(/[[\]]/g, "\\$&")}.*PTY_ADVERTISE`));
      expect(loadPtyConfig({ ...env, PTY_ADVERTISE: "pty-a:50051" }).advertise).toBe("pty-a:50051");
    }
    // A wildcard in PTY_ADVERTISE itself is refused too.
    expect(() => loadPtyConfig({ PTY_ADVERTISE: "0.0.0.0:50051" })).toThrow(/PTY_ADVERTISE/);
  });
});
