/**
 * The gateway's refusals, from a real browser where a browser is what attacks: a wrong token is
 * refused and leaves no cookie; a page of another origin cannot open a viewer socket even though
 * the browser sends it the cookie (127.0.0.1 on another port is the same site, so SameSite
 * does not help; the Origin check does); no cookie, no socket; POSTs from elsewhere and
 * non-JSON POSTs are refused; failed logins are throttled; the login cookie is HttpOnly and
 * SameSite=Strict, and every response carries the security headers.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { spawn } from "../e2e/helpers.js";
import { startWebSystem, type WebSystem } from "./helpers.js";

let web: WebSystem;
let sessionId: string;
let foreign: http.Server;
let foreignOrigin: string;

beforeAll(async () => {
  web = await startWebSystem("web_security");
  ({ sessionId } = await spawn(web.sys, { command: "/bin/cat" }));
  // Another origin on this machine: a page that tries to open the gateway's viewer socket.
  foreign = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"));
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
  await web?.close();
});

/** Tries to open a viewer socket from the page; resolves "open" or "refused". */
function trySocket(page: import("playwright-core").Page, url: string): Promise<string> {
  return page.evaluate(
    (u) =>
      new Promise<string>((resolve) => {
        const W = (globalThis as unknown as { WebSocket: new (u: string) => { onopen: () => void; onerror: () => void; onclose: () => void; close(): void } }).WebSocket;
        const ws = new W(u);
        ws.onopen = () => {
          resolve("open");
          ws.close();
        };
        ws.onerror = () => resolve("refused");
        ws.onclose = () => resolve("refused");
      }),
    url,
  );
}

describe("web gateway security", () => {
  it("refuses a wrong token and sets no cookie; a right one gets an HttpOnly, SameSite=Strict cookie", async () => {
    const { page, context } = await web.newPage({ role: "none" });
    await page.fill("#token", "not-the-token-of-this-gateway");
    await page.click("#login-form button");
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector("#login-error").textContent !== "");
    expect(await page.textContent("#login-error")).toMatch(/not valid/);
    expect(await context.cookies()).toEqual([]);
    await page.fill("#token", web.tokens.full);
    await page.click("#login-form button");
    await page.waitForSelector("#list:not([hidden])");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "ptykeep_login", httpOnly: true, sameSite: "Strict", secure: false });
    expect(await trySocket(page, `${web.url.replace("http", "ws")}ws?session=${sessionId}&from=0`)).toBe("open");
    await page.close();
  });

  it("a page of another origin cannot open a viewer socket, although the browser sends it the cookie", async () => {
    const { page } = await web.newPage();
    const viewersBefore = web.gateway.viewerStats().length;
    await page.goto(foreignOrigin);
    expect(await trySocket(page, `${web.url.replace("http", "ws")}ws?session=${sessionId}&from=0`)).toBe("refused");
    expect(web.gateway.viewerStats().length).toBe(viewersBefore);
    // The same, without a browser: the right cookie with a foreign Origin is a 403 before any upgrade.
    const cookie = (await page.context().cookies(web.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${web.url.replace("http", "ws")}ws?session=${sessionId}&from=0`, { headers: { cookie, origin: foreignOrigin } });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    expect(status).toBe(403);
    await page.close();
  });

  it("no cookie, no socket; cross-origin and non-JSON POSTs are refused", async () => {
    const { page } = await web.newPage({ role: "none" });
    expect(await trySocket(page, `${web.url.replace("http", "ws")}ws?session=${sessionId}&from=0`)).toBe("refused");
    const origin = web.url.replace(/\/$/, "");
    const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${web.url}${path.slice(1)}`, { method: "POST", headers, body });
    expect((await post("/api/sessions", { origin, "content-type": "application/json" }, JSON.stringify({ command: "/bin/sh" }))).status).toBe(401);
    expect((await post("/api/login", { origin: foreignOrigin, "content-type": "application/json" }, JSON.stringify({ token: web.tokens.full }))).status).toBe(403);
    expect((await post("/api/login", { origin, "content-type": "application/x-www-form-urlencoded" }, `token=${web.tokens.full}`)).status).toBe(415);
    const res = await fetch(web.url);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    await page.close();
  });

  it("refuses a viewer socket asking for the screen and a seq at once, saying why", async () => {
    const { page } = await web.newPage();
    const cookie = (await page.context().cookies(web.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    const origin = web.url.replace(/\/$/, "");
    const upgrade = (query: string) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        const ws = new WebSocket(`${web.url.replace("http", "ws")}ws?session=${sessionId}&${query}`, { headers: { cookie, origin } });
        ws.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on("open", () => {
          resolve({ status: 101, body: "" });
          ws.close();
        });
        ws.on("error", () => {});
      });
    expect(await upgrade("from=3&screen=1")).toMatchObject({ status: 400, body: expect.stringMatching(/screen=1 needs from=0/) });
    expect(await upgrade("from=0&screen=yes")).toMatchObject({ status: 400, body: expect.stringMatching(/screen must be 1/) });
    expect((await upgrade("from=0&screen=1")).status).toBe(101);
    await page.close();
  });

  it("throttles failed logins", async () => {
    const origin = web.url.replace(/\/$/, "");
    const attempt = (token: string) => fetch(`${web.url}api/login`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ token }) }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await attempt(`wrong-token-number-${i}-xxxxxxxx`));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Throttled means the right token waits too: guessing cannot continue by mixing in a good one.
    expect(await attempt(web.tokens.full)).toBe(429);
  });
});
