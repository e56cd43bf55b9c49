import { describe, expect, it } from "vitest";
import { Code, ConfigError, SESSION_STATES, SESSION_STATE_ENUM, backoffMs, delay, dialAddress, envBool, envInt, envListenAddress, isUuid, joinHostPort, microsToTimestamp, sessionStateName, splitHostPort, timestampToMicros, timestampToMs, toGrpcTarget, toStatus, toTimestamp, unavailable, uuidv7, validate } from "./index.js";

const silent = { error: () => {} };

describe("ids", () => {
  it("makes time-ordered UUIDv7s", () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe("7");
    expect(["8", "9", "a", "b"]).toContain(a[19]);
    expect(a < b).toBe(true);
  });
});

describe("validate", () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return toStatus(err, "test", silent);
    }
    return undefined;
  };

  it("names the field and the fix", () => {
    expect(codeOf(() => validate.sessionId("nope"))).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining("session_id") });
    expect(codeOf(() => validate.sessionId(""))).toMatchObject({ details: expect.stringContaining("required") });
    expect(codeOf(() => validate.terminalDim(0, "rows"))).toMatchObject({ details: "rows must be between 1 and 1000, got 0" });
    expect(codeOf(() => validate.terminalDim(100000, "cols"))).toMatchObject({ code: Code.INVALID_ARGUMENT });
    expect(codeOf(() => validate.positiveSeq(0, "chunk.seq"))).toMatchObject({ details: expect.stringContaining("chunk.seq") });
    expect(codeOf(() => validate.text("a\0b", "command", { max: 10 }))).toMatchObject({ details: "command must not contain NUL bytes" });
    expect(codeOf(() => validate.text("", "command", { max: 10, required: true }))).toMatchObject({ code: Code.INVALID_ARGUMENT });
    expect(codeOf(() => validate.env({ "A=B": "x" }))).toMatchObject({ details: expect.stringContaining("no '='") });
    expect(codeOf(() => validate.labels(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v"]))))).toMatchObject({ details: expect.stringContaining("limit") });
  });

  it("never echoes an env value (it may be a secret)", () => {
    const status = codeOf(() => validate.env({ TOKEN: "s3cret\0" }));
    expect(status?.details).not.toContain("s3cret");
  });

  it("accepts good input unchanged", () => {
    const id = uuidv7();
    expect(validate.sessionId(id.toUpperCase())).toBe(id);
    expect(validate.args([";rm -rf /", "$(id)"])).toEqual([";rm -rf /", "$(id)"]);
    expect(validate.labels({ "team/app": "web-1" })).toEqual({ "team/app": "web-1" });
  });
});

describe("errors", () => {
  it("maps service errors, aborts, dependencies down and the rest", () => {
    expect(toStatus(unavailable("store down"), "m", silent)).toMatchObject({ code: Code.UNAVAILABLE, details: "store down" });
    expect(toStatus(new DOMException("x", "AbortError"), "m", silent)).toMatchObject({ code: Code.CANCELLED });
    expect(toStatus(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "m", silent)).toMatchObject({ code: Code.UNAVAILABLE });
    expect(toStatus(Object.assign(new Error("terminating connection"), { code: "57P01" }), "m", silent)).toMatchObject({ code: Code.UNAVAILABLE });
    expect(toStatus(new TypeError("boom"), "m", silent)).toMatchObject({ code: Code.INTERNAL, details: expect.not.stringContaining("boom") });
  });

  it("treats PostgreSQL refusing for its own state as unavailable, and data errors as internal", () => {
    const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code, severity: "ERROR" });
    // disk full, out of memory, too many connections, I/O error, read-only (after a failover), starting up
    for (const code of ["53100", "53200", "53300", "58030", "25006", "57P03"]) {
      expect(toStatus(pgError(code), "m", silent), code).toMatchObject({ code: Code.UNAVAILABLE, details: expect.stringContaining("retry later") });
    }
    for (const code of ["22023", "23505", "42601"]) expect(toStatus(pgError(code), "m", silent), code).toMatchObject({ code: Code.INTERNAL });
  });
});

describe("config", () => {
  it("names the variable in every error", () => {
    expect(() => envInt({ X: "abc" }, "X", 1, { min: 0, max: 9 })).toThrow(/X="abc" is not an integer/);
    expect(() => envInt({ X: "10" }, "X", 1, { min: 0, max: 9 })).toThrow(ConfigError);
    expect(() => envBool({ B: "maybe" }, "B", false)).toThrow(/^B=/);
    expect(() => envListenAddress({ L: "nope" }, "L", "127.0.0.1:1")).toThrow(/L="nope"/);
    expect(envListenAddress({}, "L", "127.0.0.1:50052")).toBe("127.0.0.1:50052");
    expect(envListenAddress({ L: "[::1]:0" }, "L", "x:1")).toBe("[::1]:0");
  });
});

describe("client targets", () => {
  it("balances comma lists and passes grpc targets through", () => {
    expect(toGrpcTarget("127.0.0.1:1")).toBe("127.0.0.1:1");
    expect(toGrpcTarget("127.0.0.1:1, 127.0.0.1:2")).toBe("ipv4:127.0.0.1:1,127.0.0.1:2");
    expect(toGrpcTarget("dns:///store-service:50052")).toBe("dns:///store-service:50052");
    expect(toGrpcTarget("localhost:50052")).toBe("localhost:50052");
    expect(() => toGrpcTarget("a:1,b:2")).toThrow(/dns:/);
  });
});

describe("small shared pieces", () => {
  it("converts timestamps without losing precision the other side keeps", () => {
    expect(toTimestamp(1_700_000_000_123)).toEqual({ seconds: 1_700_000_000, nanos: 123_000_000 });
    expect(timestampToMs({ seconds: "1700000000", nanos: 123_999_999 })).toBe(1_700_000_000_123);
    expect(timestampToMs(null)).toBeUndefined();
    expect(timestampToMicros({ seconds: 1_700_000_000, nanos: 123_456_789 })).toBe(1_700_000_000_123_456);
    expect(timestampToMicros(undefined)).toBeUndefined();
    expect(microsToTimestamp(1_700_000_000_123_456)).toEqual({ seconds: 1_700_000_000, nanos: 123_456_000 });
    expect(timestampToMicros(microsToTimestamp(42))).toBe(42);
  });

  it("names every session state both ways, and nothing else", () => {
    for (const s of SESSION_STATES) expect(sessionStateName(SESSION_STATE_ENUM[s])).toBe(s);
    expect(sessionStateName("SESSION_STATE_UNSPECIFIED")).toBeUndefined();
    expect(sessionStateName("running")).toBeUndefined();
  });

  it("splits, joins and dials listen addresses", () => {
    expect(splitHostPort("127.0.0.1:50052")).toEqual({ host: "127.0.0.1", port: 50052 });
    expect(splitHostPort("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(joinHostPort("::1", 9)).toBe("[::1]:9");
    expect(joinHostPort("127.0.0.1", 9)).toBe("127.0.0.1:9");
    expect(dialAddress("0.0.0.0:0", 4242)).toBe("127.0.0.1:4242");
    expect(dialAddress("[::]:0", 4242)).toBe("[::1]:4242");
    expect(dialAddress("127.0.0.2:0", 4242)).toBe("127.0.0.2:4242");
    expect(dialAddress("unix:/tmp/x.sock", 0)).toBe("unix:/tmp/x.sock");
  });

  it("backs off between half the ceiling and the ceiling, doubling up to the cap", () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(2_000, 100 * 2 ** attempt);
      const wait = backoffMs(attempt, { initialMs: 100, maxMs: 2_000 });
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
      expect(wait).toBeLessThanOrEqual(ceiling);
    }
  });

  it("ends a delay when its signal aborts", async () => {
    const ac = new AbortController();
    const waiting = delay(60_000, { signal: ac.signal });
    ac.abort();
    await waiting;
    await delay(1, { signal: ac.signal });
  });
});
