/**
 * Rows 12-15: the web gateway (web/), run as its own process in front of the bench system.
 *
 * 12  keystroke → character rendered in a real browser (Debian Chromium, playwright-core), beside
 *     the CLI's path measured in the same run (Write RPC in, byte seen on Attach).
 * 13  page load → first screen of a 50 MB session, and → whole history rendered, beside reading
 *     the same history with ReadHistory (what `ptykeep logs` does) in the same run.
 * 14  gateway memory per idle viewer (heap and RSS growth over 100 idle viewer sockets).
 * 15  100 viewers on one flooding session: the program's throughput against the same program
 *     with no viewer, and the gateway's peak RSS and held output.
 *
 * Viewers of rows 14 and 15 are WebSocket clients in this process speaking the page's protocol
 * (binary output frames, JSON acks): the gateway cannot tell them from pages, and 100 browser
 * tabs would measure Chromium rather than the gateway.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { chromium } from "playwright-core";
import WebSocket from "ws";
import { status as grpcStatus } from "@grpc/grpc-js";
import { createPtyClient, type PtyApi, type StoreApi } from "@ptykeep/proto";
import { freePort } from "../../scripts/lib/embedded-postgres.js";
import { CLOSE, OUTPUT_HEADER_BYTES, readOutputSeq } from "../../web/src/protocol.js";
import { programs } from "../lib/programs.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import { ROOT, type BenchSystem } from "../lib/system.js";
import { delay, quantile, rpc, waitFor } from "../lib/util.js";
import { discardSession } from "./throughput.js";

const WEB = Object.freeze({
  /** Keystrokes per path in row 12, alternating browser and CLI path. */
  KEYS: { quick: 100, full: 300 },
  /** Pause between keystrokes: a fast typist. */
  KEY_INTERVAL_MS: 10,
  /** Viewers in rows 14 and 15 (the issue's figure). */
  VIEWERS: 100,
  /** Memory is sampled this often while row W4 floods. */
  SAMPLE_MS: 100,
  /** The issue's targets. */
  IDLE_VIEWER_LIMIT_BYTES: 256 * 1024,
  THROUGHPUT_TOLERANCE: 0.1,
  /** The gateway's window per viewer in these rows (its default). */
  WINDOW_BYTES: 1024 * 1024,
  READY_TIMEOUT_MS: 60_000,
  /**
   * Row W4: the viewers have stalled when none of them received a byte for this long; the
   * delivery as a whole may take up to DELIVERY_TIMEOUT_MS (100 × the flood on a loaded machine).
   */
  STALL_MS: 30_000,
  DELIVERY_TIMEOUT_MS: 600_000,
  CHROMIUM: "/usr/bin/chromium",
});


interface GatewayChild {
  url: string;
  pid: number;
  /** How the process ended (undefined while it runs). */
  exit(): string | undefined;
  token: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

async function startGatewayChild(sys: BenchSystem, ptyAddr: string): Promise<GatewayChild> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const token = randomBytes(24).toString("base64url");
  const log = createWriteStream(path.join(sys.dir, "logs", "web.log"), { flags: "a" });
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "web/src/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      WEB_LISTEN: `127.0.0.1:${port}`,
      WEB_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      WEB_TOKENS: `full:${token}`,
      WEB_COMMANDS: "/bin/sh",
      PTY_ADDR: ptyAddr,
      STORE_ADDR: sys.store.address,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}/`;
  await until("the gateway serving", async () => (await fetch(`${url}healthz`).catch(() => undefined))?.ok, { timeoutMs: WEB.READY_TIMEOUT_MS, intervalMs: 100 });
  return {
    url,
    pid: child.pid!,
    exit: () => exit,
    token,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      log.end();
    },
  };
}

function rssBytes(g: GatewayChild): number {
  const ended = g.exit();
  if (ended !== undefined) throw new Error(`the gateway process ended (${ended}); see its log, web.log in the work directory`);
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${g.pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** One value from the gateway's /metrics; NaN when the scrape fails (a sample is skipped, not fatal). */
async function metric(g: GatewayChild, name: string): Promise<number> {
  const text = await fetch(g.metricsUrl)
    .then((r) => r.text())
    .catch(() => "");
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

async function loginCookie(g: GatewayChild): Promise<string> {
  const origin = g.url.replace(/\/$/, "");
  const res = await fetch(`${g.url}api/login`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ token: g.token }) });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

/** A viewer socket that acknowledges every frame as it arrives (a page that keeps up). */
function openViewer(g: GatewayChild, cookie: string, sessionId: string): Promise<{ ws: WebSocket; bytes: () => number; closed: Promise<number> }> {
  const origin = g.url.replace(/\/$/, "");
  const ws = new WebSocket(`${g.url.replace("http", "ws")}ws?session=${sessionId}&from=0`, { headers: { cookie, origin } });
  let bytes = 0;
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("message", (data: Buffer, isBinary) => {
    if (!isBinary) return;
    bytes += data.length - OUTPUT_HEADER_BYTES;
    ws.send(JSON.stringify({ type: "ack", seq: readOutputSeq(data) }));
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, bytes: () => bytes, closed }));
    ws.once("error", reject);
  });
}

/**
 * Reads a session's stored history up to `toSeq`: ReadHistory call after call from each end's
 * next_seq, as a reader of a whole session must. Returns the output bytes (and the screen
 * snapshot's, from the screen) and, per call, its end reason and bytes.
 */
async function readWholeHistory(sys: BenchSystem, sessionId: string, toSeq: number, fromScreen = false): Promise<{ bytes: number; calls: string[] }> {
  let fromSeq = 0;
  let bytes = 0;
  const calls: string[] = [];
  for (;;) {
    let end: StoreApi.HistoryEnd__Output | undefined;
    let callBytes = 0;
    const req = fromScreen && fromSeq === 0 ? { sessionId, fromSeq: 0, toSeq, fromScreen: true } : { sessionId, fromSeq, toSeq };
    for await (const ev of sys.storeClient.readHistory(req) as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) {
      callBytes += ev.output?.data.length ?? ev.screen?.data.length ?? 0;
      if (ev.end) end = ev.end;
    }
    bytes += callBytes;
    calls.push(`${end?.reason.replace(/^HISTORY_END_REASON_/, "") ?? "no end"} after ${callBytes} bytes`);
    const next = Number(end?.nextSeq ?? 0);
    if (!end || end.reason === "HISTORY_END_REASON_GAP" || next > toSeq || next <= fromSeq) return { bytes, calls };
    fromSeq = next;
  }
}

interface ViewerProcess {
  /** Output bytes received and close code (null while open) per viewer. */
  report(): Promise<{ bytes: number[]; codes: Array<number | null>; reconnects: number[] }>;
  stop(): Promise<void>;
}

/** `count` viewers of one session in a child process (bench/lib/web-viewers.ts), once all are open. */
async function startViewerProcess(g: GatewayChild, cookie: string, sessionId: string, count: number): Promise<ViewerProcess> {
  const child = fork(path.join(ROOT, "bench/lib/web-viewers.ts"), [JSON.stringify({ url: g.url, cookie, sessionId, count })], { cwd: ROOT, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  type Message = { type: string; bytes?: number[]; codes?: Array<number | null>; reconnects?: number[]; message?: string };
  let waiting: ((m: Message) => void) | undefined;
  child.on("message", (m: { type: string }) => waiting?.(m));
  const next = (type: string) =>
    new Promise<Message>((resolve, reject) => {
      waiting = (m) => {
        if (m.type === "error") reject(new Error(`row W4's viewers: ${m.message}`));
        else if (m.type === type) resolve(m);
      };
      void exited.then(() => reject(new Error("row W4's viewer process ended")));
    });
  await next("open").catch(async (err: unknown) => {
    child.kill();
    await exited;
    throw err;
  });
  return {
    async report() {
      const answer = next("report");
      child.send({ type: "report" });
      const m = await answer;
      return { bytes: m.bytes!, codes: m.codes!, reconnects: m.reconnects! };
    },
    async stop() {
      if (child.connected) child.send({ type: "stop" });
      else child.kill();
      await exited;
    },
  };
}

/**
 * Waits until a condition holds. (waitFor returns the first value other than undefined, so a
 * predicate that answers false must not be passed to it directly: it would return at once.)
 */
function until(what: string, pred: () => Promise<boolean | undefined> | boolean | undefined, opts: { timeoutMs: number; intervalMs: number }): Promise<true> {
  return waitFor(what, async () => ((await pred()) ? true : undefined), opts);
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: Math.max(...samples) };
}

/** Durable time of a program printing `file` in a raw terminal, from spawn to the end stored. */
async function timedCat(sys: BenchSystem, ptyClient: PtyApi.PtyServiceClient | ReturnType<typeof createPtyClient>, file: string, beforeStart?: (sessionId: string) => Promise<void>): Promise<{ seconds: number; bytes: number; sessionId: string; unavailable: number }> {
  // The program waits for one typed byte, so that viewers can be attached first.
  const { sessionId } = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { command: "/bin/sh", args: ["-c", 'stty raw -echo; head -c 1 >/dev/null; exec cat "$0"', file], rows: 40, cols: 120 });
  await beforeStart?.(sessionId);
  const t0 = performance.now();
  let unavailable = 0;
  await rpc(ptyClient, "Write", { sessionId, data: Buffer.from("g") });
  const s = await waitFor(
    "the flood stored",
    async () => {
      // A poll the store answers UNAVAILABLE (no PostgreSQL connection within its pool's timeout on
      // a loaded machine) is polled again: the program's end is what is timed, not one answer.
      const r = await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId }).then(
        (res) => res.session!,
        (err: { code?: number }) => {
          if (err.code !== grpcStatus.UNAVAILABLE) throw err;
          unavailable++;
          return undefined;
        },
      );
      return r && r.state === "SESSION_STATE_EXITED" && r.durableSeq === r.finalSeq ? r : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 20 },
  );
  return { seconds: (performance.now() - t0) / 1000, bytes: Number(s.durableBytes), sessionId, unavailable };
}

export async function runWeb(sys: BenchSystem, ctx: RunContext, corpora: { realistic: { file: string; bytes: number }; small: { file: string; bytes: number } }): Promise<RowResult[]> {
  // One pty-service for these rows that accepts 100 viewers on one session (the default is 32).
  const pty = await sys.startPty("pty-web", { PTY_MAX_VIEWERS: String(WEB.VIEWERS + 10) });
  const ptyClient = createPtyClient(pty.address);
  const g = await startGatewayChild(sys, pty.address);
  const browser = await chromium.launch({ executablePath: WEB.CHROMIUM, args: ["--no-sandbox"] });
  const rows: RowResult[] = [];
  const sessions: string[] = [];
  let viewerProcess: ViewerProcess | undefined;
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    await page.goto(g.url);
    await page.fill("#token", g.token);
    await page.click("#login-form button");
    await page.waitForSelector("#list:not([hidden])");

    // ── 12: keystroke → rendered, browser vs the CLI's path ─────────────────────────────────────
    const count = ctx.quick ? WEB.KEYS.quick : WEB.KEYS.full;
    const echo = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { ...programs.echo(), rows: 24, cols: 80 });
    const cli = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { ...programs.echo(), rows: 24, cols: 80 });
    sessions.push(echo.sessionId, cli.sessionId);
    await page.evaluate((id) => ((globalThis as unknown as { location: { hash: string } }).location.hash = `#/s/${id}`), echo.sessionId);
    await until("the page connected", () => page.evaluate(() => (globalThis as unknown as { ptykeep: { view?: { state: string } } }).ptykeep.view?.state === "connected"), { timeoutMs: 30_000, intervalMs: 50 });
    const attach = ptyClient.attach({ sessionId: cli.sessionId, fromSeq: 0 });
    let waiting: { key: number; resolve: () => void } | undefined;
    attach.on("data", (m: PtyApi.AttachResponse__Output) => {
      if (waiting && m.output?.data.includes(waiting.key)) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    });
    attach.on("error", () => {});
    const browserMs: number[] = [];
    const cliMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const key = String.fromCharCode(0x61 + (i % 26));
      // In the page: the key goes in where a typed key does (xterm.js's input → onData → socket);
      // timed until xterm.js has parsed the echoed byte into its buffer, then until the next frame is painted.
      browserMs.push(
        await page.evaluate(
          (k) =>
            new Promise<number>((resolve) => {
              const g = globalThis as unknown as { ptykeep: { view: { term: { input(d: string, u: boolean): void; onWriteParsed(cb: () => void): { dispose(): void } } } }; requestAnimationFrame(cb: () => void): void };
              const term = g.ptykeep.view.term;
              const t0 = performance.now();
              const sub = term.onWriteParsed(() => {
                sub.dispose();
                g.requestAnimationFrame(() => resolve(performance.now() - t0));
              });
              term.input(k, true);
            }),
          key,
        ),
      );
      await delay(WEB.KEY_INTERVAL_MS);
      const seen = new Promise<void>((resolve) => (waiting = { key: key.charCodeAt(0), resolve }));
      const t0 = performance.now();
      await Promise.all([rpc(ptyClient, "Write", { sessionId: cli.sessionId, data: Buffer.from(key) }), seen]);
      cliMs.push(performance.now() - t0);
      await delay(WEB.KEY_INTERVAL_MS);
    }
    attach.cancel();
    const b = summary(browserMs);
    const c = summary(cliMs);
    ctx.log(`  row W1: browser p50 ${fmt(b.p50, 2)} p99 ${fmt(b.p99, 2)} ms; CLI path p50 ${fmt(c.p50, 2)} p99 ${fmt(c.p99, 2)} ms`);
    rows.push({
      id: "W1",
      title: "keystroke → character painted in the browser (p50 / p99)",
      measured: `${fmt(b.p50, 2)} / ${fmt(b.p99, 2)} ms`,
      baseline: `${fmt(c.p50, 2)} / ${fmt(c.p99, 2)} ms CLI path (Write → byte on Attach)`,
      ratio: `p50 ${ratio(b.p50 / c.p50)}, p99 ${ratio(b.p99 / c.p99)}`,
      target: "reported beside the CLI path",
      met: null,
      notes: [
        `${count} keystrokes per path, alternating, ${WEB.KEY_INTERVAL_MS} ms apart; program \`stty raw -echo; cat\`. Browser: xterm.js input → WebSocket → gateway → Interact → PTY → Interact → gateway → binary frame → xterm.js parsed, then the next animation frame (headless Chromium paints at 60 Hz, so up to ~16 ms of the figure is waiting for the frame). Max ${fmt(b.max, 2)} ms (CLI ${fmt(c.max, 2)} ms).`,
      ],
      data: { browser: b, cli: c, browserSamplesMs: browserMs, cliSamplesMs: cliMs, count },
    });

    // ── 13: page load → first screen on a 50 MB session ────────────────────────────────────────
    const big = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { ...programs.catThenWait(corpora.realistic.file), rows: 40, cols: 120 });
    sessions.push(big.sessionId);
    await until(
      "the 50 MB session stored",
      async () => Number((await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId: big.sessionId })).session!.durableBytes) >= corpora.realistic.bytes,
      { timeoutMs: 300_000, intervalMs: 100 },
    );
    const stored = (await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId: big.sessionId })).session!;
    // The baseline reads what the page shows: the whole stored history, call after call from each
    // end's next_seq (one call stops at the newest output stored when it began), and it must be all
    // of it, or the ratio compares the page with a fraction of the history.
    const r0 = performance.now();
    const read = await readWholeHistory(sys, big.sessionId, Number(stored.durableSeq));
    const readMs = performance.now() - r0;
    const historyBytes = read.bytes;
    if (historyBytes !== Number(stored.durableBytes)) {
      throw new Error(`row W2's baseline read ${historyBytes} of the ${stored.durableBytes} stored bytes (${read.calls.join("; ")}): not a baseline`);
    }
    const s0 = performance.now();
    const screenRead = await readWholeHistory(sys, big.sessionId, Number(stored.durableSeq), true);
    const screenReadMs = performance.now() - s0;
    const page2 = await context.newPage();
    const p0 = performance.now();
    await page2.goto(`${g.url}#/s/${big.sessionId}`);
    const view = () => page2.evaluate(() => (globalThis as unknown as { ptykeep: { view?: { renderedSeq: number } } }).ptykeep.view?.renderedSeq ?? 0);
    await until("the first screen", async () => (await view()) > 0, { timeoutMs: 60_000, intervalMs: 10 });
    const firstMs = performance.now() - p0;
    await until("the whole history rendered", async () => (await view()) >= Number(stored.durableSeq), { timeoutMs: 300_000, intervalMs: 50 });
    const wholeMs = performance.now() - p0;
    const screenSeq = await page2.evaluate(() => (globalThis as unknown as { ptykeep: { view?: { screenSeq: number } } }).ptykeep.view?.screenSeq ?? 0);
    await page2.close();
    ctx.log(`  row W2: first screen ${fmt(firstMs, 0)} ms, whole ${fmt(wholeMs, 0)} ms; ReadHistory ${fmt(readMs, 0)} ms of ${fmt(historyBytes / 1e6, 1)} MB (stored ${stored.durableBytes} bytes to seq ${stored.durableSeq}) in ${read.calls.length} call(s) [${read.calls.join("; ")}]; from the screen ${fmt(screenReadMs, 0)} ms`);
    rows.push({
      id: "W2",
      title: "page load → first screen of a 50 MB session (and → whole history rendered)",
      measured: `${fmt(firstMs, 0)} ms (whole: ${fmt(wholeMs / 1000, 1)} s)`,
      baseline: `${fmt(readMs / 1000, 1)} s ReadHistory of the same ${fmt(historyBytes / 1e6, 1)} MB (the CLI's replay)`,
      ratio: `first screen ${ratio(firstMs / readMs)}, whole ${ratio(wholeMs / readMs)}`,
      target: "reported",
      met: null,
      notes: [
        `A fresh page (login cookie already set) loads the URL of the session; "first screen" is the first output frame rendered, "whole" the last stored seq rendered (${stored.durableSeq} chunks). The page begins from the store's newest screen snapshot when there is one (here: ${screenSeq > 0 ? `the snapshot at seq ${screenSeq}` : "none, so the whole history was replayed into xterm.js"}), then the output after it, at the gateway's window (acks after rendering).`,
        `Baseline: the whole stored history (${historyBytes} bytes, checked equal to the session's durable bytes) read with ReadHistory by a client in the suite, as \`ptykeep logs\` does, in ${read.calls.length} call(s): ${read.calls.join("; ")}. For reference, ReadHistory from the screen (what the page's stream reads from the store) took ${fmt(screenReadMs, 0)} ms for ${fmt(screenRead.bytes / 1024, 0)} KiB.`,
      ],
      data: { firstMs, wholeMs, readMs, screenReadMs, screenReadBytes: screenRead.bytes, screenSeq, bytes: historyBytes, chunks: Number(stored.durableSeq), calls: read.calls },
    });

    // ── 14: memory per idle viewer ──────────────────────────────────────────────────────────────
    const cookie = await loginCookie(g);
    const idle = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { command: "/bin/sh", args: ["-c", "stty raw -echo; printf ready; exec cat"], rows: 24, cols: 80 });
    sessions.push(idle.sessionId);
    await delay(500);
    const heapBefore = await metric(g, "ptykeep_nodejs_heap_size_used_bytes");
    const rssBefore = rssBytes(g);
    const idleViewers: Array<Awaited<ReturnType<typeof openViewer>>> = [];
    for (let i = 0; i < WEB.VIEWERS; i++) idleViewers.push(await openViewer(g, cookie, idle.sessionId));
    await until("every idle viewer has the history", () => idleViewers.every((v) => v.bytes() >= 5), { timeoutMs: 30_000, intervalMs: 50 });
    await delay(1_000);
    const heapAfter = await metric(g, "ptykeep_nodejs_heap_size_used_bytes");
    const rssAfter = rssBytes(g);
    const perViewerHeap = (heapAfter - heapBefore) / WEB.VIEWERS;
    const perViewerRss = (rssAfter - rssBefore) / WEB.VIEWERS;
    for (const v of idleViewers) v.ws.close(1000);
    ctx.log(`  row W3: per idle viewer heap ${fmt(perViewerHeap / 1024)} KiB, RSS ${fmt(perViewerRss / 1024)} KiB`);
    rows.push({
      id: "W3",
      title: "gateway memory per idle viewer",
      measured: `${fmt(perViewerHeap / 1024)} KiB heap, ${fmt(perViewerRss / 1024)} KiB RSS`,
      baseline: "—",
      ratio: `heap ${ratio(perViewerHeap / WEB.IDLE_VIEWER_LIMIT_BYTES)} of the limit`,
      target: `≤ ${WEB.IDLE_VIEWER_LIMIT_BYTES / 1024} KiB`,
      met: perViewerHeap <= WEB.IDLE_VIEWER_LIMIT_BYTES && perViewerRss <= WEB.IDLE_VIEWER_LIMIT_BYTES,
      notes: [`Growth of the gateway process over ${WEB.VIEWERS} viewer sockets on one idle session (each with an open Interact stream), heap used from its metrics and RSS from /proc, without a forced GC (an upper bound).`],
      data: { heapBefore, heapAfter, rssBefore, rssAfter, perViewerHeap, perViewerRss, viewers: WEB.VIEWERS },
    });

    // ── 15: 100 viewers on a flooding session ──────────────────────────────────────────────────
    const alone = await timedCat(sys, ptyClient, corpora.small.file);
    sessions.push(alone.sessionId);
    let peakRss = rssBytes(g);
    let peakHeld = 0;
    const rssStart = peakRss;
    let sampling = true;
    let samplerError: unknown;
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, rssBytes(g));
        const held = await metric(g, "ptykeep_web_unacked_bytes");
        if (Number.isFinite(held)) peakHeld = Math.max(peakHeld, held);
        await delay(WEB.SAMPLE_MS);
      }
    })().catch((err: unknown) => {
      samplerError = err;
    });
    const watched = await timedCat(sys, ptyClient, corpora.small.file, async (sessionId) => {
      viewerProcess = await startViewerProcess(g, cookie, sessionId, WEB.VIEWERS);
    });
    sessions.push(watched.sessionId);
    const viewersOf = viewerProcess!;
    // Delivering the flood to every viewer (viewers × the flood through the gateway) can take
    // minutes on a loaded machine; what fails the row is a stall: no viewer received a byte for
    // STALL_MS. The time it took is reported.
    const deliveryStart = performance.now();
    let progress = { total: -1, at: deliveryStart };
    await waitFor("every viewer has the whole flood", async () => {
      const r = await viewersOf.report();
      const total = r.bytes.reduce((a, b) => a + b, 0);
      const now = performance.now();
      if (total !== progress.total) progress = { total, at: now };
      if (r.bytes.every((b) => b >= watched.bytes)) return true;
      if (now - progress.at > WEB.STALL_MS) {
        const short = r.bytes.filter((b) => b < watched.bytes).length;
        throw new Error(`the viewers stalled: no output arrived for ${WEB.STALL_MS} ms, ${((now - deliveryStart) / 1000).toFixed(1)} s after the flood was stored: ${short} of ${WEB.VIEWERS} viewers short of ${watched.bytes} bytes (least ${Math.min(...r.bytes)}); close codes ${JSON.stringify(r.codes.filter((c) => c !== null))}; reconnects ${r.reconnects.reduce((a, b) => a + b, 0)}`);
      }
      return undefined;
    }, { timeoutMs: WEB.DELIVERY_TIMEOUT_MS, intervalMs: 100 }).catch(async (err: Error) => {
      if (err.message.startsWith("the viewers stalled")) throw err;
      const r = await viewersOf.report();
      const short = r.bytes.filter((b) => b < watched.bytes).length;
      throw new Error(`${err.message}: ${short} of ${WEB.VIEWERS} viewers short of ${watched.bytes} bytes (least ${Math.min(...r.bytes)}, ${r.bytes.reduce((a, b) => a + b, 0)} in all)`);
    });
    const deliverySeconds = (performance.now() - deliveryStart) / 1000;
    const viewerReconnects = (await viewersOf.report()).reconnects.reduce((a, b) => a + b, 0);
    const ends = await waitFor("every viewer told the session ended", async () => {
      const r = await viewersOf.report();
      return r.codes.every((c) => c !== null) ? r.codes : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 }).catch(async () => (await viewersOf.report()).codes);
    const endCodes = ends.map((c) => c ?? -1);
    sampling = false;
    await sampler;
    if (samplerError) throw samplerError;
    const aloneMBs = alone.bytes / 1e6 / alone.seconds;
    const watchedMBs = watched.bytes / 1e6 / watched.seconds;
    const r = watchedMBs / aloneMBs;
    ctx.log(`  row W4: alone ${fmt(aloneMBs)} MB/s, with ${WEB.VIEWERS} viewers ${fmt(watchedMBs)} MB/s, every viewer had all of it ${fmt(deliverySeconds)} s after it was stored; gateway RSS ${fmt(rssStart / 1e6)} → peak ${fmt(peakRss / 1e6)} MB, held ≤ ${fmt(peakHeld / 1e6)} MB`);
    rows.push({
      id: "W4",
      title: `${WEB.VIEWERS} viewers on one flooding session: program throughput and gateway memory`,
      measured: `${fmt(watchedMBs)} MB/s durable; gateway RSS peak ${fmt(peakRss / 1e6)} MB, output held ≤ ${fmt(peakHeld / 1e6)} MB`,
      baseline: `${fmt(aloneMBs)} MB/s with no viewer`,
      ratio: `throughput ${ratio(r)}`,
      target: `within ${WEB.THROUGHPUT_TOLERANCE * 100}% of no viewers; held ≤ viewers × window`,
      met: r >= 1 - WEB.THROUGHPUT_TOLERANCE && peakHeld <= WEB.VIEWERS * WEB.WINDOW_BYTES,
      notes: [
        `The program prints ${fmt(corpora.small.bytes / 1e6, 1)} MB in a raw terminal (\`cat\`), timed from the first byte typed to its last output durable, once alone and once with ${WEB.VIEWERS} viewer sockets that acknowledge every frame on arrival, in a process of their own (bench/lib/web-viewers.ts) so that the suite's polling of GetSession, which times the program, does not wait behind 100 sockets' traffic in its event loop. Gateway RSS sampled every ${WEB.SAMPLE_MS} ms (${fmt(rssStart / 1e6)} MB before). Every viewer received all ${watched.bytes} bytes, the last ${fmt(deliverySeconds)} s after the flood was stored; ${endCodes.filter((c) => c === CLOSE.ENDED).length} of ${WEB.VIEWERS} sockets were closed with "session ended". Viewers reconnected ${viewerReconnects} time(s) in all (as the page does, from the seq after their last). GetSession polls the store answered UNAVAILABLE (polled again): ${alone.unavailable} alone, ${watched.unavailable} with viewers.`,
      ],
      data: { aloneMBs, watchedMBs, ratio: r, peakRss, rssStart, peakHeld, viewers: WEB.VIEWERS, deliverySeconds },
    });
  } finally {
    // Also when the row fails: the viewers' process would keep the suite running.
    await viewerProcess?.stop();
    await browser.close();
    await g.stop();
    for (const id of sessions) await discardSession({ ...sys, ptyClient }, id).catch(() => {});
    ptyClient.close();
    await pty.stop();
  }
  return rows;
}
