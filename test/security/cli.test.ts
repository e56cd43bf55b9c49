/**
 * The CLI against services with mutual TLS and bearer tokens: its flags and PTYKEEP_*
 * variables carry the certificates and the token to both services (streams included); without
 * them it fails with one line saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPtykeep } from "../cli/helpers.js";
import { makeDevCerts, startServices, type DevCerts } from "./helpers.js";

let certs: DevCerts;
let sys: Awaited<ReturnType<typeof startServices>>;

beforeAll(async () => {
  certs = makeDevCerts();
  const server = (prefix: string) => ({
    [`${prefix}_TLS_CERT`]: certs.file("service.crt"),
    [`${prefix}_TLS_KEY`]: certs.file("service.key"),
    [`${prefix}_TLS_CA`]: certs.file("ca.crt"),
    [`${prefix}_TOKENS_FILE`]: certs.file("tokens"),
  });
  sys = await startServices("clitls", {
    storeEnv: server("STORE"),
    ptyEnv: {
      ...server("PTY"),
      PTY_STORE_TLS_CA: certs.file("ca.crt"),
      PTY_STORE_TLS_CERT: certs.file("service.crt"),
      PTY_STORE_TLS_KEY: certs.file("service.key"),
      PTY_STORE_TOKEN_FILE: certs.file("token"),
    },
  });
});

afterAll(async () => {
  await sys?.close();
  certs?.remove();
});

const addresses = () => ["--pty", sys.pty.address, "--store", sys.store.address];
const tlsFlags = () => ["--tls-ca", certs.file("ca.crt"), "--tls-cert", certs.file("client.crt"), "--tls-key", certs.file("client.key")];

describe("ptykeep with TLS and tokens", () => {
  it("runs a program and reads its log with flags", async () => {
    const run = await runPtykeep([...addresses(), ...tlsFlags(), "--token-file", certs.file("token"), "run", "-d", "--", "/bin/echo", "secure", "hello"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const id = run.stdout.toString().trim().split(/\s+/).find((w) => /^[0-9a-f-]{36}$/.test(w));
    expect(id).toBeDefined();
    const logs = await runPtykeep([...addresses(), ...tlsFlags(), "--token-file", certs.file("token-read-only"), "logs", "--follow", id!]);
    expect(logs.code).toBe(0);
    expect(logs.stdout.toString("latin1")).toContain("secure hello");
  });

  it("takes the same settings from PTYKEEP_* variables", async () => {
    const env = { PTYKEEP_TLS_CA: certs.file("ca.crt"), PTYKEEP_TLS_CERT: certs.file("client.crt"), PTYKEEP_TLS_KEY: certs.file("client.key"), PTYKEEP_TOKEN: certs.readOnlyToken };
    const ls = await runPtykeep([...addresses(), "ls"], { env });
    expect(ls.stderr).toBe("");
    expect(ls.code).toBe(0);
  });

  it("says what is wrong without a token, with a read-only one writing, and with a bad file", async () => {
    const noToken = await runPtykeep([...addresses(), ...tlsFlags(), "ls"]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^ptykeep: store-service at .*UNAUTHENTICATED/);
    const readOnly = await runPtykeep([...addresses(), ...tlsFlags(), "--token-file", certs.file("token-read-only"), "run", "-d", "--", "/bin/true"]);
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/PERMISSION_DENIED/);
    const badFile = await runPtykeep([...addresses(), "--tls-ca", "/nonexistent/ca.pem", "ls"]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toContain('PTYKEEP_TLS_CA="/nonexistent/ca.pem" cannot be read');
  });
});
