import { describe, expect, it } from "vitest";
import { ConfigError } from "@ptykeep/proto";
import { loadWebConfig } from "./config.js";
import { issueCookieValue, verifyCookieValue } from "./login.js";

const TOKEN = "a".repeat(24);

describe("web gateway configuration", () => {
  it("defaults to loopback and the services' default addresses", () => {
    const c = loadWebConfig({});
    expect(c.listen).toBe("127.0.0.1:8080");
    expect(c.ptyAddr).toBe("127.0.0.1:50051");
    expect(c.storeAddr).toBe("127.0.0.1:50052");
    expect(c.commands).toEqual(["bash"]);
    expect(c.security.tokens).toBeUndefined();
  });

  it("refuses a non-loopback listen without TLS and tokens, naming WEB_LISTEN", () => {
    expect(() => loadWebConfig({ WEB_LISTEN: "0.0.0.0:8080" })).toThrow(/WEB_LISTEN=0\.0\.0\.0:8080 .*TLS \(WEB_TLS_CERT, WEB_TLS_KEY\) and authentication \(WEB_TOKENS/);
    expect(() => loadWebConfig({ WEB_LISTEN: "0.0.0.0:8080", WEB_TOKENS: TOKEN })).toThrow(ConfigError);
    expect(loadWebConfig({ WEB_LISTEN: "0.0.0.0:8080", WEB_ALLOW_INSECURE_LISTEN: "true" }).listen).toBe("0.0.0.0:8080");
  });

  it("names the variable of a bad value", () => {
    expect(() => loadWebConfig({ WEB_LISTEN: "8080" })).toThrow(/WEB_LISTEN/);
    expect(() => loadWebConfig({ WEB_COMMANDS: "bash -l" })).toThrow(/WEB_COMMANDS/);
    expect(() => loadWebConfig({ WEB_COMMANDS: " , " })).toThrow(/WEB_COMMANDS/);
    expect(() => loadWebConfig({ WEB_VIEWER_WINDOW_BYTES: "1000" })).toThrow(/WEB_VIEWER_WINDOW_BYTES=1000 is out of range/);
    expect(() => loadWebConfig({ WEB_ORIGINS: "https://x.example/path" })).toThrow(/WEB_ORIGINS/);
    expect(() => loadWebConfig({ WEB_TOKENS: "short" })).toThrow(/WEB_TOKENS/);
    expect(() => loadWebConfig({ WEB_METRICS_LISTEN: "nowhere" })).toThrow(/WEB_METRICS_LISTEN/);
  });

  it("signs login cookies with a key derived from the tokens: a change of tokens signs everyone out", () => {
    const a = loadWebConfig({ WEB_TOKENS: TOKEN });
    const b = loadWebConfig({ WEB_TOKENS: `read-only:${"b".repeat(24)}` });
    const value = issueCookieValue(a.cookieKey, "full", 1_000_000);
    expect(verifyCookieValue(a.cookieKey, value, 1_000_000)).toEqual({ role: "full" });
    expect(verifyCookieValue(loadWebConfig({ WEB_TOKENS: TOKEN }).cookieKey, value, 1_000_000)).toEqual({ role: "full" });
    expect(verifyCookieValue(b.cookieKey, value, 1_000_000)).toBeUndefined();
    // Expired, and tampered with (a read-only cookie turned full).
    expect(verifyCookieValue(a.cookieKey, value, 1_000_000 + 25 * 3600_000)).toBeUndefined();
    const ro = issueCookieValue(a.cookieKey, "read-only", 1_000_000);
    const forged = `${Buffer.from(JSON.stringify({ r: "full", e: 9e9 })).toString("base64url")}.${ro.split(".")[1]}`;
    expect(verifyCookieValue(a.cookieKey, forged, 1_000_000)).toBeUndefined();
  });
});
