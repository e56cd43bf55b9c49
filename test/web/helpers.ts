/**
 * Browser fixture: the e2e system (real PostgreSQL, store-service, pty-service) plus the web
 * gateway in-process on loopback, and Debian's Chromium driven by playwright-core (never a
 * downloaded browser). Pages sign in through the login form like a person would.
 */
import { randomBytes } from "node:crypto";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createLogger } from "@ptykeep/proto";
import { loadWebConfig, startGateway, type PageAssets, type RunningGateway } from "../../web/src/index.js";
import { buildPage } from "../../web/src/bundle.js";
import { startSystem, waitFor, type System } from "../e2e/helpers.js";

/** Where .ci/run (apt-get install chromium) puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

export interface WebSystem {
  sys: System;
  gateway: RunningGateway;
  browser: Browser;
  tokens: { full: string; readOnly: string };
  url: string;
  /** Stops the gateway (abrupt = drop every connection, as a crash) and starts a new one on the same port. */
  restartGateway(opts: { abrupt: boolean; beforeStart?: () => Promise<void> }): Promise<void>;
  /** A new browser context (its own cookies), signed in with the given role unless "none". */
  newPage(opts?: { role?: "full" | "read-only" | "none"; viewport?: { width: number; height: number }; mobile?: boolean }): Promise<{ page: Page; context: BrowserContext }>;
  close(): Promise<void>;
}

export async function startWebSystem(prefix: string, opts: { webEnv?: Record<string, string>; ptyEnv?: Record<string, string> } = {}): Promise<WebSystem> {
  const sys = await startSystem(prefix, { ptyEnv: opts.ptyEnv });
  const tokens = { full: randomBytes(24).toString("base64url"), readOnly: randomBytes(24).toString("base64url") };
  const env = (port: number) => ({
    WEB_LISTEN: `127.0.0.1:${port}`,
    PTY_ADDR: sys.pty.address,
    STORE_ADDR: sys.store.address,
    WEB_TOKENS: `full:${tokens.full},read-only:${tokens.readOnly}`,
    WEB_COMMANDS: "/bin/sh,/bin/cat",
    ...opts.webEnv,
  });
  const assets: PageAssets = await buildPage();
  let gateway = await startGateway({ config: loadWebConfig(env(0)), log: createLogger("web"), assets });
  const port = gateway.port;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const contexts = new Set<BrowserContext>();
  const ws: WebSystem = {
    sys,
    get gateway() {
      return gateway;
    },
    browser,
    tokens,
    url: gateway.url,
    async restartGateway(r) {
      await gateway.stop({ abrupt: r.abrupt });
      await r.beforeStart?.();
      gateway = await startGateway({ config: loadWebConfig(env(port)), log: createLogger("web"), assets });
    },
    async newPage(p = {}) {
      const context = await browser.newContext({ viewport: p.viewport ?? { width: 1000, height: 700 }, isMobile: p.mobile ?? false, hasTouch: p.mobile ?? false });
      contexts.add(context);
      const page = await context.newPage();
      await page.goto(gateway.url);
      const role = p.role ?? "full";
      if (role !== "none") {
        await page.fill("#token", role === "full" ? tokens.full : tokens.readOnly);
        await page.click("#login-form button");
        await page.waitForSelector("#list:not([hidden])");
      }
      return { page, context };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await gateway.stop();
      await sys.close();
    },
  };
  return ws;
}

/** The open view's state in the page. */
export interface ViewState {
  state: string;
  lastSeq: number;
  renderedSeq: number;
  seqErrors: string[];
  rows: number;
  cols: number;
}

export function viewState(page: Page): Promise<ViewState | undefined> {
  return page.evaluate(() => {
    const v = (globalThis as unknown as { ptykeep: { view?: { state: string; lastSeq: number; renderedSeq: number; seqErrors: string[]; term: { rows: number; cols: number } } } }).ptykeep.view;
    return v ? { state: v.state, lastSeq: v.lastSeq, renderedSeq: v.renderedSeq, seqErrors: v.seqErrors, rows: v.term.rows, cols: v.term.cols } : undefined;
  });
}

/** Every line of the open terminal, scrollback included, trailing empty lines dropped. */
export function bufferLines(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const lines = (globalThis as unknown as { ptykeep: { view: { bufferLines(): string[] } } }).ptykeep.view.bufferLines();
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    return lines;
  });
}

/** The lines a fresh terminal of the given size shows after these bytes (the page's own xterm.js). */
export function referenceLines(page: Page, bytes: Buffer, size: { rows: number; cols: number }, resizes: Array<{ atOffset: number; rows: number; cols: number }> = []): Promise<string[]> {
  return page.evaluate(
    async ({ b64, rows, cols, resizes }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const T = (globalThis as unknown as { ptykeep: { Terminal: new (o: object) => { write(d: Uint8Array, cb: () => void): void; resize(c: number, r: number): void; buffer: { active: { length: number; getLine(i: number): { translateToString(t: boolean): string } | undefined } }; dispose(): void } } }).ptykeep.Terminal;
      const t = new T({ rows, cols, scrollback: 10_000, allowProposedApi: false });
      let at = 0;
      const write = (d: Uint8Array) => new Promise<void>((resolve) => t.write(d, resolve));
      for (const r of resizes) {
        await write(raw.subarray(at, r.atOffset));
        at = r.atOffset;
        t.resize(r.cols, r.rows);
      }
      await write(raw.subarray(at));
      const lines: string[] = [];
      for (let i = 0; i < t.buffer.active.length; i++) lines.push(t.buffer.active.getLine(i)?.translateToString(true) ?? "");
      t.dispose();
      while (lines.length && lines[lines.length - 1] === "") lines.pop();
      return lines;
    },
    { b64: bytes.toString("base64"), rows: size.rows, cols: size.cols, resizes },
  );
}

export async function waitView(page: Page, what: string, pred: (v: ViewState) => boolean, timeoutMs?: number): Promise<ViewState> {
  return waitFor(
    what,
    async () => {
      const v = await viewState(page);
      return v && pred(v) ? v : undefined;
    },
    timeoutMs,
  );
}

/** Opens a session in the page by its URL, as a link or a bookmark would. */
export async function openSession(page: Page, sessionId: string): Promise<void> {
  await page.evaluate((id) => ((globalThis as unknown as { location: { hash: string } }).location.hash = `#/s/${id}`), sessionId);
  await page.waitForSelector("#terminal:not([hidden])");
}

export async function pageText(page: Page): Promise<string> {
  return (await bufferLines(page)).join("\n");
}
