/**
 * Where the CLI connects and how: the addresses of both services, and the one place that
 * builds channel credentials and per-call metadata (TLS and tokens slot in here). Also turns a
 * gRPC failure into the one line a person reads: which service, which address, what it said.
 */
import * as grpc from "@grpc/grpc-js";
import { callUnary, ConfigError, isCallError, createPtyClient, createStoreClient, loadClientSecurity, type ClientSecurity, type PtyServiceClient, type StoreServiceClient, type UnaryMethodName, type UnaryRequest, type UnaryResponse } from "@ptykeep/proto/client";
import { DEFAULT_ADDRESSES, type ConnectionFlags } from "./args.js";
import { CliError, EXIT } from "./errors.js";

export const DEADLINES = Object.freeze({
  /** A unary call to a service on a nearby machine; long enough for a busy database. */
  UNARY_MS: 10_000,
  /** Kill waits for SIGHUP, SIGTERM then SIGKILL grace periods and the last output to be stored. */
  KILL_MS: 60_000,
});

export interface Endpoints {
  pty: string;
  store: string;
  /**
   * PTYKEEP_TLS, PTYKEEP_TLS_CA, PTYKEEP_TLS_CERT, PTYKEEP_TLS_KEY, PTYKEEP_TLS_SERVER_NAME,
   * PTYKEEP_TOKEN, PTYKEEP_TOKEN_FILE, with the flags folded in. Read when the first client is
   * made, so that a bad file is reported like any other failure, naming the variable.
   */
  security?: Record<string, string | undefined>;
}

export type ServiceName = "pty-service" | "store-service";

/** Flags win over the environment, which wins over the defaults. */
export function resolveEndpoints(flags: ConnectionFlags, env: Record<string, string | undefined>): Endpoints {
  const pick = (flag: string | undefined, name: string) => flag || env[name] || undefined;
  return {
    pty: flags.pty || env.PTY_ADDR || DEFAULT_ADDRESSES.pty,
    store: flags.store || env.STORE_ADDR || DEFAULT_ADDRESSES.store,
    security: {
      PTYKEEP_TLS: flags.tls ? "true" : env.PTYKEEP_TLS,
      PTYKEEP_TLS_CA: pick(flags.tlsCa, "PTYKEEP_TLS_CA"),
      PTYKEEP_TLS_CERT: pick(flags.tlsCert, "PTYKEEP_TLS_CERT"),
      PTYKEEP_TLS_KEY: pick(flags.tlsKey, "PTYKEEP_TLS_KEY"),
      PTYKEEP_TLS_SERVER_NAME: pick(flags.tlsServerName, "PTYKEEP_TLS_SERVER_NAME"),
      // A --token-file flag wins over a token in the environment.
      PTYKEEP_TOKEN: flags.tokenFile ? undefined : env.PTYKEEP_TOKEN,
      PTYKEEP_TOKEN_FILE: pick(flags.tokenFile, "PTYKEEP_TOKEN_FILE"),
    },
  };
}

export class Connection {
  private pty?: PtyServiceClient;
  private store?: StoreServiceClient;
  private securityValue?: ClientSecurity;

  constructor(readonly endpoints: Endpoints) {}

  /**
   * TLS and bearer token for both services, from the flags and PTYKEEP_* variables. The token
   * goes into every call's metadata through the clients (streams included).
   */
  private security(): ClientSecurity {
    this.securityValue ??= loadClientSecurity(this.endpoints.security ?? {}, "PTYKEEP");
    // grpc-js gives Node an IP address as the TLS server name when the address is one, and Node
    // prints a deprecation warning (DEP0123) about it; the certificate is still checked against
    // that IP. A warning about a library's internals has no place on a person's terminal.
    if (this.securityValue.tls) process.noDeprecation = true;
    return this.securityValue;
  }

  ptyClient(): PtyServiceClient {
    this.pty ??= this.open("pty-service", () => createPtyClient(this.endpoints.pty, this.security()));
    return this.pty;
  }

  storeClient(): StoreServiceClient {
    this.store ??= this.open("store-service", () => createStoreClient(this.endpoints.store, this.security()));
    return this.store;
  }

  private open<T>(service: ServiceName, create: () => T): T {
    try {
      return create();
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message, EXIT.USAGE);
      throw new CliError(`bad ${service} address ${JSON.stringify(this.address(service))}: ${(err as Error).message}`);
    }
  }

  address(service: ServiceName): string {
    return service === "pty-service" ? this.endpoints.pty : this.endpoints.store;
  }

  /** A unary call with a deadline; a gRPC failure becomes a CliError naming service and address. */
  unary<C extends grpc.Client, M extends UnaryMethodName<C>>(
    service: ServiceName,
    client: C,
    method: M,
    req: UnaryRequest<C[M]>,
    opts: { deadlineMs?: number; sessionId?: string } = {},
  ): Promise<UnaryResponse<C[M]>> {
    return callUnary(client, method, req, { deadlineMs: opts.deadlineMs ?? DEADLINES.UNARY_MS }).catch((err: unknown) => {
      throw this.explain(err, service, opts.sessionId);
    });
  }

  explain(err: unknown, service: ServiceName, sessionId?: string): Error {
    return explainGrpcError(err, { service, address: this.address(service), sessionId });
  }

  close(): void {
    this.pty?.close();
    this.store?.close();
  }
}

/** Messages grpc-js gives when no connection could be made at all (as opposed to a server's answer). */
const CONNECT_FAILURE = /No connection established|ECONNREFUSED|Failed to connect|Name resolution failed|ENOTFOUND|EHOSTUNREACH|connection attempt timed out/i;

/**
 * grpc-js nests the cause of a failed connection in repeated prefixes ("round_robin: No
 * connection established. Last error: ... Resolution note: "); keep the cause itself.
 */
function tidyDetails(details: string): string {
  const cause = /Error: (connect \w+ [^\s.]+(?:\.\d+)*:\d+|getaddrinfo \w+ \S+)/.exec(details);
  if (cause) return cause[1]!;
  return details.replace(/^round_robin: /, "").replace(/(No connection established\. Last error: )+/, "").replace(/\s*Resolution note:\s*$/, "").trim();
}

export function explainGrpcError(err: unknown, ctx: { service: ServiceName; address: string; sessionId?: string }): Error {
  if (!isCallError(err)) return err instanceof Error ? err : new Error(String(err));
  const codeName = grpc.status[err.code] ?? String(err.code);
  const details = tidyDetails(err.details || err.message);
  const where = `${ctx.service} at ${ctx.address}`;
  const fail = (message: string) => new CliError(message, EXIT.FAILURE, err.code);
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      return fail(CONNECT_FAILURE.test(details) ? `cannot reach ${where} (${codeName}: ${details})` : `${where} is unavailable (${codeName}: ${details})`);
    case grpc.status.DEADLINE_EXCEEDED:
      return fail(`${where} did not answer in time (${codeName}: ${details})`);
    case grpc.status.NOT_FOUND:
      if (ctx.sessionId) return fail(ctx.service === "pty-service" ? `session ${ctx.sessionId} not found on ${where}` : `session ${ctx.sessionId} not found`);
      return fail(`${where}: ${details}`);
    default:
      return fail(`${where}: ${details} (${codeName})`);
  }
}
