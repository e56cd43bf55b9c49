/**
 * Who a browser is, and whether to believe a request came from our own page.
 *
 * - Login: the person pastes a gateway token (the services' format: TOKEN, full:TOKEN or
 *   read-only:TOKEN in WEB_TOKENS). The gateway answers with an HttpOnly, SameSite=Strict cookie
 *   (Secure under TLS) holding the role and an expiry, signed with HMAC-SHA256. The cookie is
 *   stateless, so a restarted gateway (or another replica with the same tokens) still accepts it;
 *   the key is derived from the token configuration, so changing the tokens signs everyone out.
 * - Without WEB_TOKENS (loopback only, see config.ts) nobody signs in and every viewer is full;
 *   the Host header must then be a loopback name, so that a page of another site that rebinds
 *   its DNS name to 127.0.0.1 is not served.
 * - Every WebSocket upgrade and every POST must carry our own Origin (cross-site WebSocket
 *   hijacking and CSRF); POST bodies must be JSON, which a cross-site form cannot send.
 * - Failed logins are counted per client address; past the limit the client waits (429).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Role, TokenSet } from "@ptykeep/proto";
import { TUNING } from "./config.js";

export const COOKIE_NAME = "ptykeep_login";

export interface Identity {
  role: Role;
}

function sign(key: Buffer, payload: string): string {
  return createHmac("sha256", key).update(payload).digest("base64url");
}

/** The cookie value for a role, valid for TUNING.COOKIE_MAX_AGE_S from `nowMs`. */
export function issueCookieValue(key: Buffer, role: Role, nowMs = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ r: role, e: Math.floor(nowMs / 1000) + TUNING.COOKIE_MAX_AGE_S })).toString("base64url");
  return `${payload}.${sign(key, payload)}`;
}

/** The role a cookie value proves, or undefined (forged, expired, malformed). */
export function verifyCookieValue(key: Buffer, value: string, nowMs = Date.now()): Identity | undefined {
  const dot = value.indexOf(".");
  if (dot <= 0) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), "base64url");
  const expected = Buffer.from(sign(key, payload), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { r?: unknown; e?: unknown };
    if ((body.r !== "full" && body.r !== "read-only") || typeof body.e !== "number") return undefined;
    if (body.e * 1000 <= nowMs) return undefined;
    return { role: body.r };
  } catch {
    return undefined;
  }
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function cookieHeader(value: string, opts: { secure: boolean; maxAgeS: number }): string {
  return `${COOKIE_NAME}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${opts.maxAgeS}${opts.secure ? "; Secure" : ""}`;
}

function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

export class Gatekeeper {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly opts: {
      tokens: TokenSet | undefined;
      cookieKey: Buffer;
      tls: boolean;
      extraOrigins: readonly string[];
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  get loginRequired(): boolean {
    return this.opts.tokens !== undefined;
  }

  get secureCookies(): boolean {
    return this.opts.tls;
  }

  /** The identity of a request, or undefined when it must sign in first. */
  identify(req: IncomingMessage): Identity | undefined {
    if (!this.opts.tokens) return isLoopbackHost(req.headers.host ?? "") ? { role: "full" } : undefined;
    const value = readCookie(req, COOKIE_NAME);
    return value ? verifyCookieValue(this.opts.cookieKey, value, this.now()) : undefined;
  }

  /**
   * True when the request's Origin is the gateway's own (scheme and the Host it was reached at)
   * or one of WEB_ORIGINS. A request without Origin is refused: browsers send it on every
   * WebSocket handshake and every POST, so its absence means something else is calling.
   */
  sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin || !req.headers.host) return false;
    const own = `${this.opts.tls ? "https" : "http"}://${req.headers.host}`;
    return origin === own || this.opts.extraOrigins.includes(origin);
  }

  /** Milliseconds this client must wait before another login attempt (0 = go ahead). */
  loginDelayMs(client: string): number {
    const f = this.failures.get(client);
    if (!f) return 0;
    const elapsed = this.now() - f.since;
    if (elapsed >= TUNING.LOGIN_WINDOW_MS) {
      this.failures.delete(client);
      return 0;
    }
    return f.count >= TUNING.LOGIN_FAILURES_PER_WINDOW ? TUNING.LOGIN_WINDOW_MS - elapsed : 0;
  }

  /** Checks a token; records a failure against the client when it is wrong. */
  login(client: string, token: string): Identity | undefined {
    const role = this.opts.tokens?.roleOf(token);
    if (role) {
      this.failures.delete(client);
      return { role };
    }
    const f = this.failures.get(client);
    if (f) f.count++;
    else {
      // A Map iterates in insertion order: the first key is the oldest client.
      if (this.failures.size >= TUNING.LOGIN_TRACKED_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(client, { count: 1, since: this.now() });
    }
    return undefined;
  }

  cookieFor(identity: Identity): string {
    return cookieHeader(issueCookieValue(this.opts.cookieKey, identity.role, this.now()), { secure: this.opts.tls, maxAgeS: TUNING.COOKIE_MAX_AGE_S });
  }

  clearCookie(): string {
    return cookieHeader("", { secure: this.opts.tls, maxAgeS: 0 });
  }
}
