/**
 * TLS for both services and their clients, from PEM files named by environment variables.
 *
 * Server side (`<PREFIX>_TLS_CERT`, `<PREFIX>_TLS_KEY`, optional `<PREFIX>_TLS_CA`): the
 * certificate chain and key the server presents; with a CA, every client must present a
 * certificate signed by it (mutual TLS), and a connection without one fails its handshake.
 *
 * Client side (`<PREFIX>_TLS_CA`, optional `<PREFIX>_TLS_CERT` + `<PREFIX>_TLS_KEY`, optional
 * `<PREFIX>_TLS_SERVER_NAME`): the CA that signed the server's certificate, the client's own
 * certificate for mutual TLS, and the name to check the server's certificate against when the
 * address is not that name (an IP, or one replica of a `dns:` name). With only a CA or a client
 * certificate the client trusts the system's roots for the rest.
 *
 * Files are read once when the configuration is loaded: a missing or unreadable file stops
 * start-up with a ConfigError naming the variable, instead of failing at the first connection.
 */
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { ConfigError } from "./config.js";

type Env = Record<string, string | undefined>;

export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  /** CA for client certificates; set means clients must present one (mutual TLS). */
  clientCa: Buffer | undefined;
}

export interface ClientTls {
  /** CA of the server's certificate; undefined means the system's roots. */
  ca: Buffer | undefined;
  /** The client's own certificate and key, for servers that require one. */
  cert: Buffer | undefined;
  key: Buffer | undefined;
  /** Name the server's certificate must carry, when it is not the host of the address. */
  serverName: string | undefined;
}

function readPem(env: Env, name: string): Buffer | undefined {
  const file = env[name];
  if (file === undefined || file === "") return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${name}=${JSON.stringify(file)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN ")) throw new ConfigError(`${name}=${JSON.stringify(file)} is not a PEM file`);
  return pem;
}

/** The server's TLS settings, or undefined when `<prefix>_TLS_CERT` and `_KEY` are both unset. */
export function loadServerTls(env: Env, prefix: string): ServerTls | undefined {
  const cert = readPem(env, `${prefix}_TLS_CERT`);
  const key = readPem(env, `${prefix}_TLS_KEY`);
  const clientCa = readPem(env, `${prefix}_TLS_CA`);
  if (!cert && !key) {
    if (clientCa) throw new ConfigError(`${prefix}_TLS_CA is set but ${prefix}_TLS_CERT and ${prefix}_TLS_KEY are not: client certificates need TLS`);
    return undefined;
  }
  if (!cert || !key) throw new ConfigError(`${prefix}_TLS_CERT and ${prefix}_TLS_KEY must be set together`);
  return Object.freeze({ cert, key, clientCa });
}

/**
 * A client's TLS settings, or undefined (plaintext) when none of `<prefix>_TLS_CA`, `_CERT`,
 * `_KEY` is set and `<prefix>_TLS` is not true (TLS against the system's roots).
 */
export function loadClientTls(env: Env, prefix: string): ClientTls | undefined {
  const ca = readPem(env, `${prefix}_TLS_CA`);
  const cert = readPem(env, `${prefix}_TLS_CERT`);
  const key = readPem(env, `${prefix}_TLS_KEY`);
  const serverName = env[`${prefix}_TLS_SERVER_NAME`] || undefined;
  const forced = /^(1|true|yes|on)$/i.test(env[`${prefix}_TLS`] ?? "");
  if (!ca && !cert && !key && !forced) {
    if (serverName) throw new ConfigError(`${prefix}_TLS_SERVER_NAME is set but TLS is not (set ${prefix}_TLS_CA, or ${prefix}_TLS=true for the system's roots)`);
    return undefined;
  }
  if (!cert !== !key) throw new ConfigError(`${prefix}_TLS_CERT and ${prefix}_TLS_KEY must be set together`);
  return Object.freeze({ ca, cert, key, serverName });
}

/** grpc-js server credentials: TLS (mutual when a client CA is set), or plaintext. */
export function serverCredentials(tls: ServerTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}

/** grpc-js channel credentials and the channel options they need (the server name override). */
export function clientCredentials(tls: ClientTls | undefined): { credentials: grpc.ChannelCredentials; channelOptions: grpc.ChannelOptions } {
  if (!tls) return { credentials: grpc.credentials.createInsecure(), channelOptions: {} };
  return {
    credentials: grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null),
    channelOptions: tls.serverName ? { "grpc.ssl_target_name_override": tls.serverName, "grpc.default_authority": tls.serverName } : {},
  };
}
