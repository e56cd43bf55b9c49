/**
 * TLS from certificate files: mutual TLS on the store (a client without a certificate cannot
 * even connect), the pty-service reaching that store with its client certificate, and callers
 * reaching the pty-service over TLS. Certificates come from scripts/dev-certs.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { callUnary, createPtyClient, createStoreClient, loadClientTls, uuidv7, type StoreServiceClient } from "@ptykeep/proto";
import { readHistory, waitStoredEnd, type System } from "../e2e/helpers.js";
import { CALL_DEADLINE_MS, makeDevCerts, startServices, type DevCerts } from "./helpers.js";

let certs: DevCerts;
let sys: Awaited<ReturnType<typeof startServices>>;

beforeAll(async () => {
  certs = makeDevCerts();
  const serverTls = (prefix: string) => ({ [`${prefix}_TLS_CERT`]: certs.file("service.crt"), [`${prefix}_TLS_KEY`]: certs.file("service.key"), [`${prefix}_TLS_CA`]: certs.file("ca.crt") });
  sys = await startServices("tls", {
    storeEnv: serverTls("STORE"),
    ptyEnv: {
      ...serverTls("PTY"),
      PTY_STORE_TLS_CA: certs.file("ca.crt"),
      PTY_STORE_TLS_CERT: certs.file("service.crt"),
      PTY_STORE_TLS_KEY: certs.file("service.key"),
    },
  });
});

afterAll(async () => {
  await sys?.close();
  certs?.remove();
});

function getSession(client: StoreServiceClient, sessionId: string) {
  return callUnary(client, "GetSession", { sessionId }, { deadlineMs: CALL_DEADLINE_MS });
}

async function codeOf(p: Promise<unknown>): Promise<grpc.status> {
  try {
    await p;
    return grpc.status.OK;
  } catch (err) {
    return (err as grpc.ServiceError).code;
  }
}

describe("mutual TLS", () => {
  it("lets a client with a certificate signed by the CA call the store", async () => {
    const tls = loadClientTls({ C_TLS_CA: certs.file("ca.crt"), C_TLS_CERT: certs.file("client.crt"), C_TLS_KEY: certs.file("client.key") }, "C");
    const client = createStoreClient(sys.store.address, { tls });
    try {
      // An unknown session: the call reached the handler, which is all TLS has to allow.
      expect(await codeOf(getSession(client, uuidv7()))).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });

  it("refuses a client without a certificate, and a plaintext client", async () => {
    const noCert = createStoreClient(sys.store.address, { tls: loadClientTls({ C_TLS_CA: certs.file("ca.crt") }, "C") });
    const plaintext = createStoreClient(sys.store.address);
    try {
      expect(await codeOf(getSession(noCert, uuidv7()))).toBe(grpc.status.UNAVAILABLE);
      expect(await codeOf(getSession(plaintext, uuidv7()))).toBe(grpc.status.UNAVAILABLE);
    } finally {
      noCert.close();
      plaintext.close();
    }
  });

  it("refuses a server whose certificate the client's CA did not sign", async () => {
    const other = makeDevCerts();
    const client = createStoreClient(sys.store.address, { tls: loadClientTls({ C_TLS_CA: other.file("ca.crt"), C_TLS_CERT: other.file("client.crt"), C_TLS_KEY: other.file("client.key") }, "C") });
    try {
      expect(await codeOf(getSession(client, uuidv7()))).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
      other.remove();
    }
  });

  it("carries a session from a TLS caller through the pty-service to the store over mutual TLS", async () => {
    const tls = loadClientTls({ C_TLS_CA: certs.file("ca.crt"), C_TLS_CERT: certs.file("client.crt"), C_TLS_KEY: certs.file("client.key") }, "C");
    const pty = createPtyClient(sys.pty.address, { tls });
    const store = createStoreClient(sys.store.address, { tls });
    try {
      const spawned = await callUnary(pty, "Spawn", { command: "/bin/sh", args: ["-c", "printf 'over %s' tls"], rows: 24, cols: 80 }, { deadlineMs: CALL_DEADLINE_MS });
      const view = { storeClient: store } as System;
      await waitStoredEnd(view, spawned.sessionId);
      expect((await readHistory(view, spawned.sessionId)).bytes.toString("latin1")).toBe("over tls");
    } finally {
      pty.close();
      store.close();
    }
  });
});
