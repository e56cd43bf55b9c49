/**
 * pty-service configuration: read once from the environment, validated, frozen, passed down.
 * A bad value stops start-up with a ConfigError naming the variable.
 *
 * Tuning numbers that are not worth a variable live in TUNING below, each with its reason.
 */
import { isIPv6 } from "node:net";
import os from "node:os";
import path from "node:path";
import { ConfigError, MAX_CHUNK_BYTES, envInt, envListenAddress, envMetricsListen, envString, loadClientSecurity, loadServerSecurity, type ClientSecurity, type ServerSecurity } from "@ptykeep/proto";
import { loadSpawnPolicy, type SpawnPolicy } from "./spawn-policy.js";

/** Fixed tuning numbers of the pty-service (not configurable), each with the reason for its value. */
export const TUNING = Object.freeze({
  /**
   * PTY reads are ~4 KB; gRPC and the store cost per message, so while output flows, reads are
   * gathered into one chunk for up to this long. A short read after this long a silence (a
   * keystroke's echo) is sent at once instead: interactive output pays no delay, bulk output is
   * coalesced (coalesce.ts).
   */
  COALESCE_DELAY_MS: 3,
  /** …or until this many bytes are gathered (64 KB messages reach ~330 MB/s on loopback). */
  COALESCE_BYTES: 64 * 1024,
  /**
   * A read this long filled the PTY's buffer (the line discipline hands over at most 4095 bytes
   * at a time): more output is already waiting, so even after a silence it starts a coalesced
   * chunk rather than going out alone. Sent alone, every burst cost two chunks (one full read,
   * then the rest), doubling per-chunk work in gRPC, the store and PostgreSQL.
   */
  FULL_READ_BYTES: 4095,
  /** Default terminal size when a Spawn leaves rows/cols at 0 (the classic VT100 screen). */
  DEFAULT_ROWS: 24,
  DEFAULT_COLS: 80,
  /** TERM given to programs unless the caller sets one: what modern terminal emulators speak. */
  DEFAULT_TERM: "xterm-256color",
  /**
   * At exit, output still in the kernel's PTY buffer is read synchronously; a background process
   * that keeps writing after the program ended could make that loop endless, so it stops here.
   */
  EXIT_DRAIN_MAX_BYTES: 4 * 1024 * 1024,
  /** Deadline of one lifecycle call to the store (RegisterSession, MarkRunning, ...). */
  STORE_CALL_DEADLINE_MS: 5_000,
  /**
   * Spawn first tries to register the session; if the store does not answer this fast it spawns
   * anyway and registers in the background, so a store outage never blocks opening a terminal.
   */
  SPAWN_REGISTER_WAIT_MS: 2_000,
  /** Reconnect and retry backoff towards the store: first delay, cap (jittered). */
  STORE_RETRY_INITIAL_MS: 100,
  STORE_RETRY_MAX_MS: 3_000,
  /**
   * Resize events kept in memory per session for replay (each is a few numbers); older ones are
   * replayed from the store. Plenty for people resizing windows, bounded for a script that loops.
   */
  MAX_RESIZE_LOG: 1_000,
  /** Ended sessions remembered for CheckLiveness/Attach at most (oldest forgotten first). */
  MAX_ENDED_SESSIONS: 10_000,
  /** Kill waits this long at most for the store to confirm the final output and exit record. */
  KILL_STORE_WAIT_MS: 10_000,
});

export interface PtyConfig {
  /** Address the gRPC server binds (loopback by default: this service is a remote shell). */
  listen: string;
  /** Store replicas: host:port, a comma list, or a dns: target. */
  storeAddr: string;
  /**
   * Address recorded as the session's pty_node, which the store's reaper calls: PTY_ADVERTISE,
   * else the bound listen address. Required with a wildcard listen (0.0.0.0, [::]).
   */
  advertise: string | undefined;
  /** Working directory of programs spawned without a cwd. */
  defaultCwd: string;
  /** Sessions running at once; one more is RESOURCE_EXHAUSTED. */
  maxSessions: number;
  /** Largest Write; bigger is INVALID_ARGUMENT (the caller splits it). */
  maxWriteBytes: number;
  /**
   * Input written to a program that does not read it waits in memory; past this, Write answers
   * RESOURCE_EXHAUSTED until the program catches up (a terminal's input is typing, not bulk data).
   */
  maxPendingInputBytes: number;
  /** Viewers attached to one session at once. */
  maxViewers: number;
  /** Kill escalation: SIGHUP, then SIGTERM after this, then SIGKILL after this again. */
  killGraceMs: number;
  /** Unacknowledged output of one session above which its PTY is paused… */
  sessionHighWaterBytes: number;
  /** …and below which it resumes. */
  sessionLowWaterBytes: number;
  /** Unacknowledged output of all sessions together above which every writer is paused. */
  totalHighWaterBytes: number;
  /**
   * Recent, already durable output kept in memory per running session for fast Attach (dropped
   * once an ended session is fully recorded: the store replays it).
   */
  ringBytes: number;
  /** Output queued for one viewer beyond which it is cut off (RESOURCE_EXHAUSTED). */
  viewerBufferBytes: number;
  /**
   * Interact: output sent to one viewer and not yet acknowledged (ack_seq) beyond which sending
   * waits for acks (live output queues meanwhile, up to viewerBufferBytes). It bounds what a
   * gateway holds for a viewer that does not keep up.
   */
  interactWindowBytes: number;
  /** How long an ended session is still known (CheckLiveness says EXITED, Attach replays). */
  endedRetentionMs: number;
  /** Shutdown: how long sessions get to end and be recorded before the server is forced down. */
  shutdownGraceMs: number;
  /**
   * PTY_TLS_CERT / PTY_TLS_KEY (server certificate), PTY_TLS_CA (require client certificates
   * signed by it), PTY_TOKENS / PTY_TOKENS_FILE (bearer tokens with a role),
   * PTY_ALLOW_INSECURE_LISTEN (listen off loopback without them). See proto/src/auth.ts.
   */
  security: ServerSecurity;
  /**
   * How this service calls the store: PTY_STORE_TLS_CA, PTY_STORE_TLS_CERT / PTY_STORE_TLS_KEY
   * (client certificate for mutual TLS), PTY_STORE_TLS_SERVER_NAME, PTY_STORE_TOKEN /
   * PTY_STORE_TOKEN_FILE (a full token: it writes).
   */
  storeClient: ClientSecurity;
  /** PTY_METRICS_LISTEN: host:port of the Prometheus endpoint (/metrics); unset = off. */
  metricsListen: string | undefined;
  /** PTY_ALLOWED_COMMANDS and PTY_ENV_DENY: see spawn-policy.ts. */
  spawnPolicy: SpawnPolicy;
}

type Env = Record<string, string | undefined>;

const KIB = 1024;
const MIB = 1024 * 1024;

export function loadPtyConfig(env: Env = process.env): Readonly<PtyConfig> {
  // 4 MiB: a few of the store's 1 MiB flushes (STORE_FLUSH_BYTES) in flight, so the program keeps
  // writing while one commits. At 1 MiB the window equalled one flush: the PTY paused during every
  // commit and a single session reached 9.5-16 MB/s durable vs 18.5-20 MB/s at 4 MiB, measured
  // side by side (bench: 24 MiB realistic corpus, 3 alternating rounds, shared 2-core VM).
  const sessionHighWaterBytes = envInt(env, "PTY_SESSION_HIGH_WATER_BYTES", 4 * MIB, { min: 64 * KIB, max: 1024 * MIB });
  const sessionLowWaterBytes = envInt(env, "PTY_SESSION_LOW_WATER_BYTES", Math.floor(sessionHighWaterBytes / 4), { min: 0, max: 1024 * MIB });
  if (sessionLowWaterBytes >= sessionHighWaterBytes) {
    throw new ConfigError(`PTY_SESSION_LOW_WATER_BYTES=${sessionLowWaterBytes} must be below PTY_SESSION_HIGH_WATER_BYTES=${sessionHighWaterBytes}`);
  }
  const totalHighWaterBytes = envInt(env, "PTY_TOTAL_HIGH_WATER_BYTES", 256 * MIB, { min: sessionHighWaterBytes, max: 64 * 1024 * MIB });
  const defaultCwd = envString(env, "PTY_DEFAULT_CWD", os.homedir());
  if (!path.isAbsolute(defaultCwd)) throw new ConfigError(`PTY_DEFAULT_CWD=${JSON.stringify(defaultCwd)} must be an absolute path`);
  const listen = envListenAddress(env, "PTY_LISTEN", "127.0.0.1:50051");
  const security = loadServerSecurity(env, { prefix: "PTY", listen, listenVar: "PTY_LISTEN" });
  const advertise = envString(env, "PTY_ADVERTISE", "") === "" ? undefined : envListenAddress(env, "PTY_ADVERTISE", "");
  // The store's reaper calls this address to ask about the sessions recorded with it. A wildcard
  // names no host: the port on loopback would be a guess that holds only on the store's own host
  // (and wrongly so on another one). Picking one of several interfaces, or the hostname, would be
  // another guess; the operator knows the address the store can reach.
  if (advertise !== undefined && isWildcard(advertise)) {
    throw new ConfigError(`PTY_ADVERTISE=${advertise} is a wildcard address; give the host:port the store-service reaches this pty-service at`);
  }
  if (advertise === undefined && isWildcard(listen)) {
    throw new ConfigError(
      `PTY_LISTEN=${listen} listens on every interface, so it names no address the store-service can call back (its reaper checks sessions there): set PTY_ADVERTISE to this pty-service's host:port as the store reaches it (e.g. pty-service:50051 in compose)`,
    );
  }
  return Object.freeze({
    listen,
    storeAddr: envString(env, "STORE_ADDR", "127.0.0.1:50052"),
    advertise,
    defaultCwd,
    maxSessions: envInt(env, "PTY_MAX_SESSIONS", 1000, { min: 1, max: 100_000 }),
    maxWriteBytes: envInt(env, "PTY_MAX_WRITE_BYTES", 1 * MIB, { min: 1, max: 64 * MIB }),
    maxPendingInputBytes: envInt(env, "PTY_MAX_PENDING_INPUT_BYTES", 4 * MIB, { min: 64 * KIB, max: 1024 * MIB }),
    maxViewers: envInt(env, "PTY_MAX_VIEWERS", 32, { min: 1, max: 10_000 }),
    killGraceMs: envInt(env, "PTY_KILL_GRACE_MS", 2_000, { min: 0, max: 600_000 }),
    sessionHighWaterBytes,
    sessionLowWaterBytes,
    totalHighWaterBytes,
    ringBytes: envInt(env, "PTY_RING_BYTES", 256 * KIB, { min: 0, max: 1024 * MIB }),
    // At least two of the largest chunks, so that one chunk alone never cuts a viewer off.
    viewerBufferBytes: envInt(env, "PTY_VIEWER_BUFFER_BYTES", 4 * MIB, { min: 2 * MAX_CHUNK_BYTES, max: 1024 * MIB }),
    // 1 MiB: sixteen of the 64 KB chunks bulk output is cut into (COALESCE_BYTES), four of the
    // largest, so acks sent as the viewer renders keep bulk output flowing (one ack per 100 ms
    // round trip, a phone's, still lets 10 MB/s through), while a gateway with 100 stalled
    // viewers holds 100 MiB for them at most.
    interactWindowBytes: envInt(env, "PTY_INTERACT_WINDOW_BYTES", 1 * MIB, { min: 2 * MAX_CHUNK_BYTES, max: 1024 * MIB }),
    endedRetentionMs: envInt(env, "PTY_ENDED_RETENTION_MS", 10 * 60_000, { min: 0, max: 7 * 24 * 3600_000 }),
    shutdownGraceMs: envInt(env, "PTY_SHUTDOWN_GRACE_MS", 10_000, { min: 0, max: 600_000 }),
    security,
    storeClient: loadClientSecurity(env, "PTY_STORE"),
    metricsListen: envMetricsListen(env, "PTY_METRICS_LISTEN"),
    spawnPolicy: loadSpawnPolicy(env),
  });
}

/** 0.0.0.0 or the IPv6 unspecified address ([::], [0:0:…:0]) as the host of host:port. */
function isWildcard(address: string): boolean {
  if (address.startsWith("unix:")) return false;
  const host = address.slice(0, address.lastIndexOf(":")).replace(/^\[(.*)\]$/, "$1");
  if (host === "0.0.0.0") return true;
  return isIPv6(host) && host.split(":").every((group) => /^0*$/.test(group));
}
