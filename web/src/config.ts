/**
 * Web gateway configuration: read once from the environment, validated, frozen, passed down. A
 * bad value stops start-up with a ConfigError naming the variable (exit 2 through
 * runServiceMain).
 *
 * The gateway is a remote shell reachable from a browser, so the rules of the services apply to
 * it too: it listens on loopback unless it has TLS and tokens (WEB_TLS_CERT/WEB_TLS_KEY,
 * WEB_TOKENS/WEB_TOKENS_FILE; see proto/src/auth.ts for the token format).
 *
 * Tuning numbers that are not worth a variable live in TUNING below, each with its reason.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  ConfigError,
  MAX_CHUNK_BYTES,
  envInt,
  envListenAddress,
  envMetricsListen,
  envString,
  loadClientSecurity,
  loadServerSecurity,
  type ClientSecurity,
  type ServerSecurity,
} from "@ptykeep/proto";

/** Fixed tuning numbers of the gateway, each with the reason for its value. */
export const TUNING = Object.freeze({
  /**
   * A signed-in browser stays signed in this long: a working day and a night, so that a phone
   * picked up the next morning still reconnects, but a stolen cookie does not live for ever.
   */
  COOKIE_MAX_AGE_S: 24 * 3600,
  /**
   * Failed logins from one client address allowed per window before it must wait; tokens are
   * 96 bits or more, so this is against noise in the logs and cheap probing, not guessing.
   */
  LOGIN_FAILURES_PER_WINDOW: 5,
  LOGIN_WINDOW_MS: 60_000,
  /** Client addresses whose failures are remembered at most (oldest forgotten first). */
  LOGIN_TRACKED_CLIENTS: 10_000,
  /** Deadline of a unary call to a service (Spawn, Kill waits out its grace periods). */
  UNARY_DEADLINE_MS: 10_000,
  KILL_DEADLINE_MS: 60_000,
  /** Largest request body the gateway reads (login, spawn): a token or a command name. */
  MAX_BODY_BYTES: 16 * 1024,
  /** Largest WebSocket message a browser may send: a paste is split by the page below this. */
  MAX_WS_MESSAGE_BYTES: 1024 * 1024,
  /** Sessions listed on the page at most (newest first). */
  LIST_PAGE_SIZE: 200,
  /** A viewer's socket that answers no ping for this long is closed (a phone that went away). */
  PING_INTERVAL_MS: 20_000,
  /** At stop, sockets whose browser has not answered the close frame by then are dropped. */
  STOP_CLOSE_WAIT_MS: 2_000,
  /**
   * A viewer's acks are passed on to the pty-service's Interact stream once they free this much
   * more output, or at once when the page has everything the stream sent. A page acknowledges
   * about every frame; passing each on is a message up per frame per viewer, which 100 viewers
   * of a flooding program pay for in the pty-service and the gateway. A sixteenth of the
   * service's default window (PTY_INTERACT_WINDOW_BYTES, 1 MiB) keeps it sending meanwhile.
   */
  ACK_FORWARD_BYTES: 64 * 1024,
});

export interface WebConfig {
  /** WEB_LISTEN: host:port of the HTTP(S) server (loopback by default). */
  listen: string;
  /** PTY_ADDR and STORE_ADDR: the services the gateway calls. */
  ptyAddr: string;
  storeAddr: string;
  /**
   * WEB_COMMANDS: the programs the page may start (comma separated, as the pty-service would
   * run them: a name in its PATH or an absolute path, no arguments). The pty-service's own
   * PTY_ALLOWED_COMMANDS still applies on top.
   */
  commands: readonly string[];
  /**
   * WEB_VIEWER_WINDOW_BYTES: output sent to one browser and not yet rendered by it, at most.
   * Past it the gateway stops the viewer's stream and resumes from the next seq once the page
   * has caught up, so a page that stops reading holds this much of the gateway's memory, never
   * more.
   */
  viewerWindowBytes: number;
  /** WEB_ORIGINS: origins besides the gateway's own allowed to open sockets and post (a proxy's public name). */
  extraOrigins: readonly string[];
  /**
   * WEB_TLS_CERT / WEB_TLS_KEY (HTTPS), WEB_TOKENS / WEB_TOKENS_FILE (login tokens, full or
   * read-only), WEB_ALLOW_INSECURE_LISTEN.
   */
  security: ServerSecurity;
  /** Key that signs login cookies: derived from the tokens, so changing them signs everyone out. */
  cookieKey: Buffer;
  /** WEB_PTY_TLS_* / WEB_PTY_TOKEN[_FILE]: how the gateway calls the pty-service (a full token: viewers type). */
  ptyClient: ClientSecurity;
  /** WEB_STORE_TLS_* / WEB_STORE_TOKEN[_FILE]: how it calls the store (read-only is enough). */
  storeClient: ClientSecurity;
  /** WEB_METRICS_LISTEN: host:port of the Prometheus endpoint (/metrics); unset = off. */
  metricsListen: string | undefined;
}

type Env = Record<string, string | undefined>;

const KIB = 1024;
const MIB = 1024 * KIB;

function loadCommands(env: Env): string[] {
  const raw = envString(env, "WEB_COMMANDS", "bash");
  const commands = raw.split(",").map((c) => c.trim()).filter(Boolean);
  if (commands.length === 0) throw new ConfigError(`WEB_COMMANDS=${JSON.stringify(raw)} names no program`);
  for (const c of commands) {
    if (/\s/.test(c) || c.includes("\0")) throw new ConfigError(`WEB_COMMANDS: ${JSON.stringify(c)} is not a program name or path (no spaces; arguments are not supported)`);
  }
  return commands;
}

function loadOrigins(env: Env): string[] {
  const raw = envString(env, "WEB_ORIGINS", "");
  return raw
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let url: URL;
      try {
        url = new URL(o);
      } catch {
        throw new ConfigError(`WEB_ORIGINS: ${JSON.stringify(o)} is not an origin such as https://term.example.com`);
      }
      if ((url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== o.replace(/\/$/, "")) {
        throw new ConfigError(`WEB_ORIGINS: ${JSON.stringify(o)} is not an origin such as https://term.example.com (scheme, host, optional port; no path)`);
      }
      return url.origin;
    });
}

/** The cookie key: a digest of the token configuration (the same on every restart and replica). */
function cookieKeyOf(env: Env): Buffer {
  const hash = createHash("sha256").update("ptykeep web login cookie\0").update(env.WEB_TOKENS ?? "").update("\0");
  const file = env.WEB_TOKENS_FILE;
  // loadServerSecurity has already read (and validated) the file; read errors were reported there.
  if (file) hash.update(readFileSync(file));
  return hash.digest();
}

export function loadWebConfig(env: Env = process.env): Readonly<WebConfig> {
  const listen = envListenAddress(env, "WEB_LISTEN", "127.0.0.1:8080");
  const security = loadServerSecurity(env, { prefix: "WEB", listen, listenVar: "WEB_LISTEN" });
  return Object.freeze({
    listen,
    ptyAddr: envString(env, "PTY_ADDR", "127.0.0.1:50051"),
    storeAddr: envString(env, "STORE_ADDR", "127.0.0.1:50052"),
    commands: Object.freeze(loadCommands(env)),
    // 1 MiB: a few screens of a flood in flight, enough to keep a fast page busy while its acks
    // travel; at least two of the largest chunks so that one chunk alone never stalls a viewer.
    viewerWindowBytes: envInt(env, "WEB_VIEWER_WINDOW_BYTES", 1 * MIB, { min: 2 * MAX_CHUNK_BYTES, max: 256 * MIB }),
    extraOrigins: Object.freeze(loadOrigins(env)),
    security,
    cookieKey: cookieKeyOf(env),
    ptyClient: loadClientSecurity(env, "WEB_PTY"),
    storeClient: loadClientSecurity(env, "WEB_STORE"),
    metricsListen: envMetricsListen(env, "WEB_METRICS_LISTEN"),
  });
}
