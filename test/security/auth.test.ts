/**
 * Bearer tokens on every RPC of both services: no token or a wrong one → UNAUTHENTICATED, a
 * read-only token on an RPC that changes state → PERMISSION_DENIED, a read-only token on the
 * read RPCs and a full token on all of them get through to the handler; a read-only token opens
 * output-only Interact streams, and no other. Health stays open.
 * Tokens and Spawn environment values never reach the logs or the store.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { READ_ONLY_METHODS, createPtyClient, createStoreClient, ptyV1, storeV1, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { getSession, interact, readHistory, waitStoredEnd, type System } from "../e2e/helpers.js";
import { bearer, makeDevCerts, startServices, statusOf, type DevCerts } from "./helpers.js";

const AUTH_CODES = [grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED];
const WRONG_TOKEN = "this-token-is-not-configured-anywhere";
const SECRET_ENV_VALUE = "s3cret-value-that-must-not-leak";

let certs: DevCerts;
let sys: Awaited<ReturnType<typeof startServices>>;
let logText = "";
let ptyClient: PtyServiceClient;
let storeClient: StoreServiceClient;

const services = [
  { name: "pty-service", definition: ptyV1.PtyService.service, client: () => ptyClient as grpc.Client },
  { name: "store-service", definition: storeV1.StoreService.service, client: () => storeClient as grpc.Client },
];

beforeAll(async () => {
  certs = makeDevCerts();
  const tokens = `full:${certs.fullToken},read-only:${certs.readOnlyToken}`;
  // Both services log at debug level into one buffer, to check what never appears in it.
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logText += chunk.toString("utf8");
      done();
    },
  });
  const log = pino({ level: "debug" }, sink);
  sys = await startServices("auth", {
    storeEnv: { STORE_TOKENS_FILE: certs.file("tokens") },
    ptyEnv: { PTY_TOKENS: tokens, PTY_STORE_TOKEN_FILE: certs.file("token") },
    log,
  });
  ptyClient = createPtyClient(sys.pty.address);
  storeClient = createStoreClient(sys.store.address);
});

afterAll(async () => {
  ptyClient?.close();
  storeClient?.close();
  await sys?.close();
  certs?.remove();
});

describe.each(services)("$name", ({ definition, client }) => {
  const methods = Object.keys(definition);

  it("has RPCs to test", () => {
    expect(methods.length).toBeGreaterThan(5);
  });

  it.each(methods)("%s without a token is UNAUTHENTICATED", async (method) => {
    expect((await statusOf(client(), definition, method, bearer(undefined))).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it.each(methods)("%s with a wrong token is UNAUTHENTICATED", async (method) => {
    expect((await statusOf(client(), definition, method, bearer(WRONG_TOKEN))).code).toBe(grpc.status.UNAUTHENTICATED);
    const notBearer = new grpc.Metadata();
    notBearer.set("authorization", `Basic ${certs.fullToken}`);
    expect((await statusOf(client(), definition, method, notBearer)).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it.each(methods)("%s with a read-only token is refused only when it changes state", async (method) => {
    const status = await statusOf(client(), definition, method, bearer(certs.readOnlyToken));
    if (READ_ONLY_METHODS.has(definition[method]!.path)) expect(AUTH_CODES).not.toContain(status.code);
    else expect(status).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it.each(methods)("%s with a full token reaches the handler", async (method) => {
    const status = await statusOf(client(), definition, method, bearer(certs.fullToken));
    expect(AUTH_CODES).not.toContain(status.code);
  });
});

describe("open services and secrets", () => {
  it("counts refused calls in the gRPC metrics, by method and code", async () => {
    const text = await sys.store.metrics.registry.metrics();
    const line = text.split("\n").find((l) => l.startsWith("ptykeep_grpc_server_handled_total{") && l.includes('grpc_method="DeleteSession"') && l.includes('grpc_code="UNAUTHENTICATED"'));
    // Three calls per method above: without a token, with a wrong one, with a non-Bearer header.
    expect(Number(line?.slice(line.lastIndexOf(" ") + 1))).toBe(3);
  });


  it("answers health checks without a token", async () => {
    const health = new grpc.Client(sys.pty.address, grpc.credentials.createInsecure());
    try {
      const definition: grpc.ServiceDefinition = {
        Check: {
          path: "/grpc.health.v1.Health/Check",
          requestStream: false,
          responseStream: false,
          // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message.
          requestSerialize: () => Buffer.alloc(0),
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      };
      expect((await statusOf(health, definition, "Check", bearer(undefined))).code).toBe(grpc.status.OK);
    } finally {
      health.close();
    }
  });

  it("records a session through a token-protected store, and never logs or stores tokens and env values", async () => {
    const authed = createPtyClient(sys.pty.address, { token: certs.fullToken });
    const authedStore = createStoreClient(sys.store.address, { token: certs.readOnlyToken });
    try {
      const spawned = await new Promise<{ sessionId: string }>((resolve, reject) =>
        authed.Spawn({ command: "/bin/sh", args: ["-c", "printf 'hello %s' \"$MY_SECRET\" | tr a-z A-Z"], env: { MY_SECRET: SECRET_ENV_VALUE }, rows: 24, cols: 80 }, (err, res) => (err ? reject(err) : resolve(res!))),
      );
      // The e2e helpers read through `storeClient`; give them the token-carrying one.
      const view = { storeClient: authedStore } as System;
      await waitStoredEnd(view, spawned.sessionId);
      const history = await readHistory(view, spawned.sessionId);
      expect(history.bytes.toString("latin1")).toContain(`HELLO ${SECRET_ENV_VALUE.toUpperCase()}`);
      const session = await getSession(view, spawned.sessionId);
      expect(JSON.stringify(session)).not.toContain(SECRET_ENV_VALUE);
      expect(logText.length).toBeGreaterThan(0);
      for (const secret of [certs.fullToken, certs.readOnlyToken, SECRET_ENV_VALUE]) expect(logText).not.toContain(secret);
    } finally {
      authed.close();
      authedStore.close();
    }
  });

  it("lets a read-only token open an Interact stream read_only, and no other", async () => {
    const authed = createPtyClient(sys.pty.address, { token: certs.fullToken });
    const readOnly = createPtyClient(sys.pty.address, { token: certs.readOnlyToken });
    try {
      const { sessionId } = await new Promise<{ sessionId: string }>((resolve, reject) =>
        authed.Spawn({ command: "/bin/sh", args: ["-c", "printf watched; exec sleep 60"], rows: 24, cols: 80 }, (err, res) => (err ? reject(err) : resolve(res!))),
      );
      const view = { ptyClient: readOnly } as System;
      const typing = interact(view, { sessionId });
      const refused = await typing.done;
      expect(refused.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(refused.details).toMatch(/this token is read-only: open the stream with read_only/);
      const watching = interact(view, { sessionId, readOnly: true }, { ack: true });
      await watching.untilText("watched");
      // Full-token streams may type; the same session ends them all.
      const full = interact({ ptyClient: authed } as System, { sessionId }, { ack: true });
      await full.untilText("watched");
      await new Promise<void>((resolve, reject) => authed.Kill({ sessionId }, (err) => (err ? reject(err) : resolve())));
      expect((await watching.done).code).toBe(grpc.status.OK);
      expect((await full.done).code).toBe(grpc.status.OK);
    } finally {
      authed.close();
      readOnly.close();
    }
  });
});
