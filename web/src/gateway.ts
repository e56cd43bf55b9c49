/**
 * The web gateway: an HTTP(S) server that serves the page, a small JSON API (login, session
 * list, start, kill, history downloads) and one WebSocket per viewer, each mapped onto the
 * pty-service's Interact stream (viewer.ts). It is an ordinary gRPC caller of both services.
 *
 * Node's `http` with `ws` rather than a framework: the gateway has five routes and one upgrade,
 * and `ws` gives direct control of what matters here (the upgrade decision before any socket is
 * accepted, binary frames, bufferedAmount, close codes) with no plugin layer in between.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { WebSocketServer, type WebSocket } from "ws";
import {
  callUnary,
  createLogger,
  createPtyClient,
  createStoreClient,
  isCallError,
  isUuid,
  joinHostPort,
  logListenSecurity,
  splitHostPort,
  startMetricsServer,
  timestampToMs,
  type Logger,
  type MetricsServer,
  type PtyServiceClient,
  type StoreApi,
  type StoreServiceClient,
} from "@ptykeep/proto";
import { buildPage, type PageAssets } from "./bundle.js";
import { TUNING, type WebConfig } from "./config.js";
import { streamHistory, type DownloadFormat } from "./download.js";
import { Gatekeeper, type Identity } from "./login.js";
import { WebMetrics } from "./metrics.js";
import { CLOSE, type SessionSummary } from "./protocol.js";
import { Viewer, type ViewerStats } from "./viewer.js";

/** Headers on every response: the page is a remote shell, so it runs only its own code. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // xterm.js sets element styles and adds <style> rules at run time, hence 'unsafe-inline' for
  // styles only; scripts come from this origin alone.
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
});

/** gRPC status → HTTP status for API answers. */
function httpStatusOf(code: grpc.status | undefined): number {
  switch (code) {
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.OUT_OF_RANGE:
      return 400;
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return 403;
    case grpc.status.NOT_FOUND:
      return 404;
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.FAILED_PRECONDITION:
      return 409;
    case grpc.status.RESOURCE_EXHAUSTED:
      return 429;
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
      return 503;
    default:
      return 502;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type { SessionSummary } from "./protocol.js";

function summarize(s: StoreApi.Session__Output): SessionSummary {
  return {
    id: s.sessionId,
    command: s.command,
    args: s.args,
    state: String(s.state).replace(/^SESSION_STATE_/, "").toLowerCase(),
    createdAtMs: timestampToMs(s.createdAt) ?? null,
    endedAtMs: timestampToMs(s.endedAt) ?? null,
    rows: s.rows,
    cols: s.cols,
    exitCode: s.exitCode ?? null,
    exitSignal: s.exitSignal,
    bytes: s.durableBytes,
  };
}

export interface RunningGateway {
  /** "host:port" bound. */
  address: string;
  port: number;
  /** The URL to open, e.g. http://127.0.0.1:8080/ */
  url: string;
  metrics: WebMetrics;
  metricsAddress: string | undefined;
  viewerStats(): ViewerStats[];
  /**
   * Graceful: viewers are told the gateway restarts (close 1012, the page reconnects), then the
   * server closes. `abrupt` drops every connection without a word, as a crash would.
   */
  stop(opts?: { abrupt?: boolean }): Promise<void>;
}

export async function startGateway(opts: { config: Readonly<WebConfig>; log?: Logger; assets?: PageAssets }): Promise<RunningGateway> {
  const { config } = opts;
  const log = opts.log ?? createLogger("web");
  const tls = config.security.tls;
  const assets = opts.assets ?? (await buildPage());
  const metrics = new WebMetrics();
  const pty: PtyServiceClient = createPtyClient(config.ptyAddr, config.ptyClient);
  const store: StoreServiceClient = createStoreClient(config.storeAddr, config.storeClient);
  const gate = new Gatekeeper({ tokens: config.security.tokens, cookieKey: config.cookieKey, tls: Boolean(tls), extraOrigins: config.extraOrigins });
  const viewers = new Set<Viewer>();
  const downloads = new Set<AbortController>();
  const sockets = new Set<Socket>();
  let stopping = false;
  metrics.setHeldBytes(() => [...viewers].reduce((n, v) => n + v.stats().unackedBytes, 0));

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, "cache-control": "no-store", ...(text ? { "content-type": "application/json; charset=utf-8" } : {}), ...headers });
    res.end(text);
  };

  const readJson = async (req: http.IncomingMessage): Promise<Record<string, unknown>> => {
    // A cross-site form cannot send JSON; with the Origin check this makes every POST CSRF-safe.
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) throw new HttpError(415, "send the body as application/json");
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of req as AsyncIterable<Buffer>) {
      size += part.length;
      if (size > TUNING.MAX_BODY_BYTES) throw new HttpError(413, `request body over ${TUNING.MAX_BODY_BYTES} bytes`);
      parts.push(part);
    }
    try {
      const value = JSON.parse(Buffer.concat(parts).toString("utf8")) as unknown;
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
      return value as Record<string, unknown>;
    } catch {
      throw new HttpError(400, "the body is not a JSON object");
    }
  };

  const requireIdentity = (req: http.IncomingMessage): Identity => {
    const who = gate.identify(req);
    if (!who) throw new HttpError(401, gate.loginRequired ? "sign in with a gateway token first" : "this gateway answers only on a loopback address");
    return who;
  };

  const requireFull = (who: Identity) => {
    if (who.role !== "full") throw new HttpError(403, "this sign-in is read-only");
  };

  const sessionIdFrom = (raw: string): string => {
    const id = decodeURIComponent(raw);
    if (!isUuid(id)) throw new HttpError(400, `${JSON.stringify(id.slice(0, 64))} is not a session id (a UUID)`);
    return id;
  };

  const grpcFailure = (err: unknown, what: string): HttpError => {
    if (!isCallError(err)) return new HttpError(500, `${what}: ${(err as Error).message}`);
    return new HttpError(httpStatusOf(err.code), `${what}: ${err.details} (${grpc.status[err.code]})`);
  };

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const route = url.pathname;
    if (method === "POST" && !gate.sameOrigin(req)) throw new HttpError(403, "cross-origin request refused");

    if (route === "/api/me" && method === "GET") {
      const who = gate.identify(req);
      send(res, 200, { loginRequired: gate.loginRequired, role: who?.role ?? null, commands: who ? config.commands : [] });
      return;
    }
    if (route === "/api/login" && method === "POST") {
      const client = req.socket.remoteAddress ?? "unknown";
      const wait = gate.loginDelayMs(client);
      if (wait > 0) {
        metrics.login("throttled");
        throw new HttpError(429, `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, { "retry-after": String(Math.ceil(wait / 1000)) });
      }
      const body = await readJson(req);
      const token = typeof body.token === "string" ? body.token.trim() : "";
      const who = gate.loginRequired ? gate.login(client, token) : { role: "full" as const };
      if (!who) {
        metrics.login("refused");
        log.warn({ client }, "login refused: unknown token");
        throw new HttpError(401, "that token is not valid for this gateway");
      }
      metrics.login("ok");
      log.info({ client, role: who.role }, "signed in");
      send(res, 200, { role: who.role }, gate.loginRequired ? { "set-cookie": gate.cookieFor(who) } : {});
      return;
    }
    if (route === "/api/logout" && method === "POST") {
      send(res, 204, undefined, { "set-cookie": gate.clearCookie() });
      return;
    }

    const who = requireIdentity(req);
    if (route === "/api/sessions" && method === "GET") {
      const list = await callUnary(store, "ListSessions", { pageSize: TUNING.LIST_PAGE_SIZE }, { deadlineMs: TUNING.UNARY_DEADLINE_MS }).catch((err: unknown) => {
        throw grpcFailure(err, "store-service");
      });
      const sessions = list.sessions.map(summarize).sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
      send(res, 200, { sessions });
      return;
    }
    if (route === "/api/sessions" && method === "POST") {
      requireFull(who);
      const body = await readJson(req);
      const command = typeof body.command === "string" ? body.command : "";
      if (!config.commands.includes(command)) throw new HttpError(400, `${JSON.stringify(command.slice(0, 64))} is not one of the commands this gateway starts: ${config.commands.join(", ")}`);
      const rows = Number(body.rows) || 0;
      const cols = Number(body.cols) || 0;
      const spawned = await callUnary(pty, "Spawn", { command, args: [], rows, cols, labels: { via: "web" } }, { deadlineMs: TUNING.UNARY_DEADLINE_MS }).catch((err: unknown) => {
        throw grpcFailure(err, "pty-service");
      });
      log.info({ sessionId: spawned.sessionId, command }, "session started from the page");
      send(res, 200, { sessionId: spawned.sessionId });
      return;
    }
    const kill = /^\/api\/sessions\/([^/]+)\/kill$/.exec(route);
    if (kill && method === "POST") {
      requireFull(who);
      const sessionId = sessionIdFrom(kill[1]!);
      await callUnary(pty, "Kill", { sessionId }, { deadlineMs: TUNING.KILL_DEADLINE_MS }).catch((err: unknown) => {
        throw grpcFailure(err, "pty-service");
      });
      send(res, 204, undefined);
      return;
    }
    const history = /^\/api\/sessions\/([^/]+)\/history\.(raw|cast)$/.exec(route);
    if (history && method === "GET") {
      const sessionId = sessionIdFrom(history[1]!);
      const format = history[2] as DownloadFormat;
      const { session } = await callUnary(store, "GetSession", { sessionId }, { deadlineMs: TUNING.UNARY_DEADLINE_MS }).catch((err: unknown) => {
        throw grpcFailure(err, "store-service");
      });
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "cache-control": "no-store",
        "content-type": format === "raw" ? "application/octet-stream" : "application/x-asciicast",
        "content-disposition": `attachment; filename="${sessionId}.${format === "raw" ? "raw" : "cast"}"`,
      });
      const abort = new AbortController();
      downloads.add(abort);
      res.on("close", () => abort.abort());
      try {
        await streamHistory({ store, session: session!, format, res, signal: abort.signal });
        res.end();
      } catch (err) {
        if (!abort.signal.aborted) log.warn({ err, sessionId }, "history download failed mid-stream");
        res.destroy();
      } finally {
        downloads.delete(abort);
      }
      return;
    }
    throw new HttpError(404, `no such API route: ${method} ${route}`);
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (url.pathname === "/healthz") {
      send(res, stopping ? 503 : 200, { ok: !stopping });
      return;
    }
    if (url.pathname.startsWith("/api/")) {
      api(req, res, url).catch((err: unknown) => {
        if (res.headersSent) return;
        if (err instanceof HttpError) send(res, err.status, { error: err.message }, err.headers);
        else {
          log.error({ err, route: url.pathname }, "API request failed");
          send(res, 500, { error: "internal error; see the gateway log" });
        }
      });
      return;
    }
    const asset = assets.get(url.pathname);
    if (!asset || (req.method !== "GET" && req.method !== "HEAD")) {
      send(res, 404, { error: "not found" });
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": asset.contentType, "cache-control": "no-cache", "content-length": String(asset.body.length) });
    res.end(req.method === "HEAD" ? undefined : asset.body);
  };

  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handle) : http.createServer(handle);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: TUNING.MAX_WS_MESSAGE_BYTES, perMessageDeflate: false });

  const refuseUpgrade = (socket: Socket, status: number, message: string) => {
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}\n`);
  };

  server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (stopping) return refuseUpgrade(socket, 503, "the gateway is stopping");
    if (url.pathname !== "/ws") return refuseUpgrade(socket, 404, "viewer sockets are at /ws");
    // Cross-site WebSocket hijacking: a socket opened by another site's page carries its Origin.
    if (!gate.sameOrigin(req)) {
      log.warn({ origin: req.headers.origin, client: req.socket.remoteAddress }, "viewer socket refused: foreign origin");
      return refuseUpgrade(socket, 403, "cross-origin socket refused");
    }
    const who = gate.identify(req);
    if (!who) return refuseUpgrade(socket, 401, "sign in first");
    const sessionId = url.searchParams.get("session") ?? "";
    const from = Number(url.searchParams.get("from") ?? "0");
    if (!isUuid(sessionId)) return refuseUpgrade(socket, 400, "session must be a session id");
    if (!Number.isSafeInteger(from) || from < 0) return refuseUpgrade(socket, 400, "from must be a seq (a non-negative integer)");
    const screen = url.searchParams.get("screen");
    if (screen !== null && screen !== "0" && screen !== "1") return refuseUpgrade(socket, 400, "screen must be 1 (begin from the screen) or 0");
    const fromScreen = screen === "1";
    if (fromScreen && from !== 0) return refuseUpgrade(socket, 400, "screen=1 needs from=0: a page that has output resumes from its seq");
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const viewer: Viewer = new Viewer({
        ws,
        pty,
        sessionId,
        fromSeq: from,
        fromScreen,
        readOnly: who.role !== "full",
        windowBytes: config.viewerWindowBytes,
        log,
        metrics,
        onClosed: () => viewers.delete(viewer),
      });
      viewers.add(viewer);
    });
  });

  const { host, port: listenPort } = splitHostPort(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot listen on WEB_LISTEN=${config.listen}: ${err.message}`)));
    server.listen(listenPort, host, () => resolve());
  });
  server.on("error", (err) => log.error({ err }, "HTTP server error"));
  const port = (server.address() as AddressInfo).port;
  const address = joinHostPort(host, port);
  const url = `${tls ? "https" : "http"}://${address}/`;
  let metricsServer: MetricsServer | undefined;
  if (config.metricsListen) metricsServer = await startMetricsServer({ listen: config.metricsListen, registry: metrics.registry, log });
  logListenSecurity(log, { listen: config.listen, security: config.security });
  if (!gate.loginRequired) log.warn({ url }, "no WEB_TOKENS: anyone on this machine who opens the page can use the terminals");
  log.info({ url, pty: config.ptyAddr, store: config.storeAddr, commands: config.commands }, "web gateway ready");

  return {
    address,
    port,
    url,
    metrics,
    metricsAddress: metricsServer?.address,
    viewerStats: () => [...viewers].map((v) => v.stats()),
    async stop(stopOpts = {}) {
      if (stopping) return;
      stopping = true;
      if (stopOpts.abrupt) {
        for (const s of sockets) s.destroy();
      }
      for (const v of [...viewers]) v.finish(CLOSE.RESTART, "the gateway is restarting; reconnect");
      for (const d of downloads) d.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        // Browsers answer a close frame at once; one that does not is not waited for.
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, TUNING.STOP_CLOSE_WAIT_MS).unref();
      });
      wss.close();
      await metricsServer?.close();
      pty.close();
      store.close();
    },
  };
}
