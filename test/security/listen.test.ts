/**
 * The services refuse to listen where other machines can reach them unless TLS and a way to
 * authenticate callers are configured, or the override is set explicitly; a process started
 * that way exits with a message naming the variables.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "@ptykeep/proto";
import { loadStoreConfig } from "../../store-service/src/index.js";
import { loadPtyConfig } from "../../pty-service/src/index.js";
import { REPO_ROOT, makeDevCerts, type DevCerts } from "./helpers.js";

/** Start-up of a service process, config error included, takes well under this. */
const PROCESS_TIMEOUT_MS = 20_000;

let certs: DevCerts;
beforeAll(() => {
  certs = makeDevCerts();
});
afterAll(() => certs?.remove());

const DB = { DATABASE_URL: "postgres://ptykeep@127.0.0.1:1/never-connected" };

describe.each([
  { name: "store-service", prefix: "STORE", load: (env: Record<string, string>) => loadStoreConfig({ ...DB, ...env }) },
  { name: "pty-service", prefix: "PTY", load: (env: Record<string, string>) => loadPtyConfig(env) },
])("$name", ({ prefix, load }) => {
  // A pty-service listening on every interface also needs the address the store calls it at.
  const listen = { [`${prefix}_LISTEN`]: "0.0.0.0:0", ...(prefix === "PTY" ? { PTY_ADVERTISE: "pty-a:50051" } : {}) };
  const tls = () => ({ [`${prefix}_TLS_CERT`]: certs.file("service.crt"), [`${prefix}_TLS_KEY`]: certs.file("service.key") });

  it("refuses 0.0.0.0 without TLS and authentication, naming what is missing", () => {
    expect(() => load(listen)).toThrow(ConfigError);
    expect(() => load(listen)).toThrow(new RegExp(`${prefix}_LISTEN=0\\.0\\.0\\.0:0 .*TLS \\(${prefix}_TLS_CERT.*authentication`));
  });

  it("refuses TLS without authentication, and authentication without TLS", () => {
    expect(() => load({ ...listen, ...tls() })).toThrow(/authentication/);
    expect(() => load({ ...listen, [`${prefix}_TOKENS`]: certs.fullToken })).toThrow(/TLS/);
  });

  it("accepts TLS with tokens, TLS with client certificates, loopback, or the explicit override", () => {
    expect(load({ ...listen, ...tls(), [`${prefix}_TOKENS`]: certs.fullToken }).security.tokens?.size).toBe(1);
    expect(load({ ...listen, ...tls(), [`${prefix}_TLS_CA`]: certs.file("ca.crt") }).security.tls?.clientCa).toBeDefined();
    expect(load({ [`${prefix}_LISTEN`]: "127.0.0.1:0" }).security.tls).toBeUndefined();
    expect(load({ ...listen, [`${prefix}_ALLOW_INSECURE_LISTEN`]: "true" }).security.allowInsecureListen).toBe(true);
  });

  it("names the variable of a bad TLS or token setting", () => {
    expect(() => load({ [`${prefix}_TLS_CERT`]: certs.file("service.crt") })).toThrow(`${prefix}_TLS_CERT and ${prefix}_TLS_KEY must be set together`);
    expect(() => load({ ...tls(), [`${prefix}_TLS_KEY`]: "/nonexistent/key.pem" })).toThrow(`${prefix}_TLS_KEY="/nonexistent/key.pem" cannot be read`);
    expect(() => load({ [`${prefix}_TOKENS`]: "short" })).toThrow(`${prefix}_TOKENS: a token is shorter than 16 characters`);
    expect(() => load({ [`${prefix}_TOKENS`]: `admin:${certs.fullToken}` })).toThrow(`${prefix}_TOKENS: role "admin" is not full or read-only`);
    // The token itself never appears in the message (it may be logged).
    expect(() => load({ [`${prefix}_TOKENS`]: `admin:${certs.fullToken}` })).not.toThrow(certs.fullToken);
  });
});

function runMain(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, script)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (output += b.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not exit within ${PROCESS_TIMEOUT_MS} ms: ${output}`));
    }, PROCESS_TIMEOUT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("processes", () => {
  it("pty-service exits at start-up on 0.0.0.0 without TLS and authentication", async () => {
    const { code, output } = await runMain("pty-service/src/main.ts", { PTY_LISTEN: "0.0.0.0:0" });
    expect(code).toBe(2);
    expect(output).toContain("PTY_LISTEN=0.0.0.0:0");
    expect(output).toContain("PTY_ALLOW_INSECURE_LISTEN");
  });

  it("pty-service exits at start-up on 0.0.0.0 without PTY_ADVERTISE, naming both variables", async () => {
    const { code, output } = await runMain("pty-service/src/main.ts", { PTY_LISTEN: "0.0.0.0:0", PTY_ALLOW_INSECURE_LISTEN: "true" });
    expect(code).toBe(2);
    expect(output).toContain("PTY_LISTEN=0.0.0.0:0");
    expect(output).toContain("PTY_ADVERTISE");
  });

  it("store-service exits at start-up on 0.0.0.0 without TLS and authentication", async () => {
    const { code, output } = await runMain("store-service/src/main.ts", { ...DB, STORE_LISTEN: "0.0.0.0:0" });
    expect(code).toBe(2);
    expect(output).toContain("STORE_LISTEN=0.0.0.0:0");
  });
});
