/**
 * Caller authentication for both services: bearer tokens with a role, checked in one server
 * interceptor so that every RPC of every service is covered without a line in any handler.
 *
 * - A caller sends `authorization: Bearer <token>` metadata. No token, or one the server does
 *   not know → UNAUTHENTICATED. A `read-only` token calling an RPC that changes anything →
 *   PERMISSION_DENIED. A `full` token may call everything.
 * - Health checking (grpc.health.v1) and server reflection stay open: orchestrators probe
 *   health without secrets, and reflection only describes the public contract.
 * - Tokens come from `<PREFIX>_TOKENS` (comma separated) and/or `<PREFIX>_TOKENS_FILE` (one per
 *   line, `#` comments); each entry is `TOKEN` (full), `full:TOKEN` or `read-only:TOKEN`.
 *   Tokens are compared by their SHA-256 digest and never logged.
 * - Listening off loopback without TLS and authentication (tokens or client certificates) is
 *   refused unless `<PREFIX>_ALLOW_INSECURE_LISTEN=true`, which is logged loudly at start.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { ConfigError, envBool, splitHostPort } from "./config.js";
import { PTY_SERVICE_NAME, STORE_SERVICE_NAME } from "./load.js";
import type { Logger } from "./log.js";
import { loadClientTls, loadServerTls, type ClientTls, type ServerTls } from "./tls.js";

type Env = Record<string, string | undefined>;

export type Role = "full" | "read-only";

export const AUTH_LIMITS = Object.freeze({
  /**
   * Shortest token accepted: 16 characters of base64 are 96 bits, beyond guessing over a network;
   * a shorter one is a typo or a password, refused at start-up rather than trusted.
   */
  MIN_TOKEN_CHARS: 16,
  MAX_TOKEN_CHARS: 4096,
});

/** Token characters: base64, base64url, hex. ':' separates the role and cannot occur. */
const TOKEN_SYNTAX = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * RPCs a read-only token may call: the ones that only look. Everything else (including any RPC
 * added later and not listed here) needs a full token, so a new RPC is never open by mistake.
 */
export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  `/${PTY_SERVICE_NAME}/Attach`,
  // Output-only streams (InteractOpen.read_only) are all a read-only token may open: the handler
  // asks isReadOnlyCaller, as the choice is in the first message, not in the method.
  `/${PTY_SERVICE_NAME}/Interact`,
  `/${PTY_SERVICE_NAME}/ListSessions`,
  `/${PTY_SERVICE_NAME}/CheckLiveness`,
  `/${STORE_SERVICE_NAME}/ReadHistory`,
  `/${STORE_SERVICE_NAME}/GetSession`,
  `/${STORE_SERVICE_NAME}/ListSessions`,
]);

/** Services open to every caller (health probes, reflection of the public contract). */
const OPEN_SERVICE_PREFIXES = ["/grpc.health.v1.", "/grpc.reflection.v1.", "/grpc.reflection.v1alpha."];

export function isOpenMethod(path: string): boolean {
  return OPEN_SERVICE_PREFIXES.some((p) => path.startsWith(p));
}

const digest = (token: string) => createHash("sha256").update(token).digest("base64");

/** The tokens a server accepts, by digest. */
export class TokenSet {
  private readonly roles: ReadonlyMap<string, Role>;

  constructor(entries: Array<{ token: string; role: Role }>) {
    this.roles = new Map(entries.map((e) => [digest(e.token), e.role]));
  }

  get size(): number {
    return this.roles.size;
  }

  /** The role of a presented token, or undefined when it is not one of ours. */
  roleOf(token: string): Role | undefined {
    return this.roles.get(digest(token));
  }
}

function parseEntry(entry: string, source: string): { token: string; role: Role } {
  const colon = entry.indexOf(":");
  const roleWord = colon < 0 ? "full" : entry.slice(0, colon).trim();
  const token = colon < 0 ? entry : entry.slice(colon + 1).trim();
  if (roleWord !== "full" && roleWord !== "read-only") {
    throw new ConfigError(`${source}: role ${JSON.stringify(roleWord)} is not full or read-only (entries are TOKEN, full:TOKEN or read-only:TOKEN)`);
  }
  // The token itself is never echoed in an error: it is a secret, and the message may be logged.
  if (!TOKEN_SYNTAX.test(token)) throw new ConfigError(`${source}: a token contains characters other than letters, digits and ._~+/=-`);
  if (token.length < AUTH_LIMITS.MIN_TOKEN_CHARS) throw new ConfigError(`${source}: a token is shorter than ${AUTH_LIMITS.MIN_TOKEN_CHARS} characters`);
  if (token.length > AUTH_LIMITS.MAX_TOKEN_CHARS) throw new ConfigError(`${source}: a token is longer than ${AUTH_LIMITS.MAX_TOKEN_CHARS} characters`);
  return { token, role: roleWord };
}

function readSecretFile(env: Env, name: string): string | undefined {
  const file = env[name];
  if (file === undefined || file === "") return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${name}=${JSON.stringify(file)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Tokens from `<prefix>_TOKENS` and `<prefix>_TOKENS_FILE`; undefined when neither is set. */
export function loadTokens(env: Env, prefix: string): TokenSet | undefined {
  const entries: Array<{ token: string; role: Role }> = [];
  const listVar = `${prefix}_TOKENS`;
  for (const raw of (env[listVar] ?? "").split(",")) {
    if (raw.trim()) entries.push(parseEntry(raw.trim(), listVar));
  }
  const fileVar = `${prefix}_TOKENS_FILE`;
  const text = readSecretFile(env, fileVar);
  if (text !== undefined) {
    text.split(/\r?\n/).forEach((line, i) => {
      const entry = line.replace(/#.*$/, "").trim();
      if (entry) entries.push(parseEntry(entry, `${fileVar} line ${i + 1}`));
    });
    if (entries.length === 0) throw new ConfigError(`${fileVar}=${JSON.stringify(env[fileVar])} holds no token`);
  }
  return entries.length ? new TokenSet(entries) : undefined;
}

/**
 * The token a client sends, from `<name>` or the file `<name>_FILE` (a file keeps it out of the
 * process list and `docker inspect`). Undefined when neither is set.
 */
export function loadClientToken(env: Env, name: string): string | undefined {
  const fileVar = `${name}_FILE`;
  const fromFile = readSecretFile(env, fileVar)?.trim();
  const token = fromFile || env[name]?.trim() || undefined;
  if (token === undefined) return undefined;
  const source = fromFile ? fileVar : name;
  if (!TOKEN_SYNTAX.test(token)) throw new ConfigError(`${source}: the token contains characters other than letters, digits and ._~+/=-`);
  return token;
}

/** The role of the bearer token a call presents: undefined when there is none or it is not ours. */
function bearerRole(tokens: TokenSet, metadata: grpc.Metadata): { role: Role | undefined; presented: boolean } {
  const header = metadata.get("authorization")[0];
  const value = typeof header === "string" ? header : header?.toString("utf8");
  const match = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? { role: tokens.roleOf(match[1]!), presented: true } : { role: undefined, presented: false };
}

/** What a call's metadata and path decide; undefined means the call may go on. */
export function authorize(tokens: TokenSet, path: string, metadata: grpc.Metadata): { code: grpc.status; details: string } | undefined {
  if (isOpenMethod(path)) return undefined;
  const { role, presented } = bearerRole(tokens, metadata);
  if (!presented) return { code: grpc.status.UNAUTHENTICATED, details: "missing credentials: send metadata `authorization: Bearer <token>`" };
  if (!role) return { code: grpc.status.UNAUTHENTICATED, details: "the bearer token is not valid for this service" };
  if (role === "read-only" && !READ_ONLY_METHODS.has(path)) {
    return { code: grpc.status.PERMISSION_DENIED, details: `${path.slice(path.lastIndexOf("/") + 1)} changes state; this token is read-only` };
  }
  return undefined;
}

/**
 * Calls let through with a read-only token, by the metadata object the handler receives (held
 * weakly: it goes with the call). Not a header, so a caller cannot set it.
 */
const readOnlyCalls = new WeakSet<grpc.Metadata>();

/**
 * True when the call came with a read-only token, for the handlers of READ_ONLY_METHODS that
 * may also change state (Interact opened without read_only). Without tokens configured every
 * caller that reaches the service is trusted with everything (loopback, or client certificates).
 */
export function isReadOnlyCaller(metadata: grpc.Metadata): boolean {
  return readOnlyCalls.has(metadata);
}

/** Server interceptor refusing calls that `authorize` refuses, before any handler runs. */
export function authInterceptor(tokens: TokenSet): grpc.ServerInterceptor {
  return (methodDescriptor, call) => {
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const refusal = authorize(tokens, methodDescriptor.path, metadata);
        if (refusal) {
          call.sendStatus({ ...refusal, metadata: new grpc.Metadata() });
          return;
        }
        if (bearerRole(tokens, metadata).role === "read-only") readOnlyCalls.add(metadata);
        next(metadata);
      })
      .build();
    const responder = new grpc.ResponderBuilder().withStart((next) => next(listener)).build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}

/** Client interceptor adding the bearer token to every call of a client. */
export function bearerInterceptor(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** True for addresses only this machine can reach. */
export function isLoopbackListen(address: string): boolean {
  if (address.startsWith("unix:")) return true;
  const { host } = splitHostPort(address);
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::1" || host === "localhost";
}

export interface ListenSecurity {
  listen: string;
  /** The variable holding the listen address (named in the refusal). */
  listenVar: string;
  tls: ServerTls | undefined;
  tokens: TokenSet | undefined;
  /** `<PREFIX>_ALLOW_INSECURE_LISTEN`. */
  allowInsecure: boolean;
  prefix: string;
}

/**
 * Refuses (ConfigError) a non-loopback listen address without TLS and a way to authenticate
 * callers (tokens, or client certificates), unless explicitly allowed.
 */
export function checkListenSecurity(s: ListenSecurity): void {
  if (isLoopbackListen(s.listen) || s.allowInsecure) return;
  const missing = [];
  if (!s.tls) missing.push(`TLS (${s.prefix}_TLS_CERT, ${s.prefix}_TLS_KEY)`);
  if (!s.tokens && !s.tls?.clientCa) missing.push(`authentication (${s.prefix}_TOKENS or ${s.prefix}_TOKENS_FILE, or client certificates with ${s.prefix}_TLS_CA)`);
  if (missing.length === 0) return;
  throw new ConfigError(
    `${s.listenVar}=${s.listen} is reachable from other machines but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not configured; ` +
      `configure ${missing.length > 1 ? "them" : "it"}, listen on 127.0.0.1, or set ${s.prefix}_ALLOW_INSECURE_LISTEN=true if the network itself is trusted`,
  );
}

/** Security settings of one server, read from `<prefix>_*` variables. */
export interface ServerSecurity {
  tls: ServerTls | undefined;
  tokens: TokenSet | undefined;
  allowInsecureListen: boolean;
}

export function loadAllowInsecure(env: Env, prefix: string): boolean {
  return envBool(env, `${prefix}_ALLOW_INSECURE_LISTEN`, false);
}

/** Logs, once at start, how the server is protected; loudly when it is not. */
export function logListenSecurity(log: Logger, opts: { listen: string; security: ServerSecurity }): void {
  const { tls, tokens } = opts.security;
  const summary = { listen: opts.listen, tls: Boolean(tls), mutualTls: Boolean(tls?.clientCa), tokens: tokens?.size ?? 0 };
  if (!isLoopbackListen(opts.listen) && (!tls || (!tokens && !tls.clientCa))) {
    log.warn(summary, "INSECURE: listening off loopback without TLS and authentication because *_ALLOW_INSECURE_LISTEN=true; anyone who reaches this address can use the service");
  } else {
    log.info(summary, "listener security");
  }
}

/**
 * Reads `<prefix>_TLS_*`, `<prefix>_TOKENS[_FILE]` and `<prefix>_ALLOW_INSECURE_LISTEN`, and
 * refuses an exposed listen address without protection (see checkListenSecurity).
 */
export function loadServerSecurity(env: Env, opts: { prefix: string; listen: string; listenVar: string }): ServerSecurity {
  const security = Object.freeze({
    tls: loadServerTls(env, opts.prefix),
    tokens: loadTokens(env, opts.prefix),
    allowInsecureListen: loadAllowInsecure(env, opts.prefix),
  });
  checkListenSecurity({ ...security, allowInsecure: security.allowInsecureListen, listen: opts.listen, listenVar: opts.listenVar, prefix: opts.prefix });
  return security;
}

/** How a service calls another: TLS settings and bearer token (see ClientOptions). */
export interface ClientSecurity {
  tls: ClientTls | undefined;
  token: string | undefined;
}

/** Reads `<prefix>_TLS_*` (client side) and `<prefix>_TOKEN[_FILE]`. */
export function loadClientSecurity(env: Env, prefix: string): ClientSecurity {
  return Object.freeze({ tls: loadClientTls(env, prefix), token: loadClientToken(env, `${prefix}_TOKEN`) });
}
