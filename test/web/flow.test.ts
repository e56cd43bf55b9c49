/**
 * Flow control through the gateway under a flood: several viewer sockets on one session whose
 * program writes several MiB as fast as it can, each acknowledging the way the page does (binary
 * output frames, a JSON ack of what it has consumed), must each receive the session's stored
 * history exactly, seq after seq, without a gap or a duplicate, in bounded time. No viewer may be
 * left waiting on a window that nothing will reopen.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { MAX_CHUNK_BYTES } from "@ptykeep/proto";
import { CLOSE, OUTPUT_HEADER_BYTES, readOutputSeq } from "../../web/src/protocol.js";
import { Programs } from "../e2e/programs.js";
import { readHistory, spawn, waitFor, waitStoredEnd, type System } from "../e2e/helpers.js";
import { startWebSystem, type WebSystem } from "./helpers.js";

const MiB = 1024 * 1024;
/** The gateway's window per viewer (WEB_VIEWER_WINDOW_BYTES, set below). */
const WINDOW_BYTES = 1 * MiB;
const FLOOD_BYTES = 8 * MiB;
/** Everything is delivered within this, or the flow has stalled (a healthy run takes seconds). */
const DELIVERY_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 180_000;

let web: WebSystem;
let programs: Programs;
let cookie: string;
let flood: Buffer;
let floodFile: string;

beforeAll(async () => {
  programs = new Programs();
  flood = randomBytes(FLOOD_BYTES);
  floodFile = programs.file("flood.bin", flood);
  web = await startWebSystem("web_flow", { ptyEnv: { PTY_MAX_VIEWERS: "32" }, webEnv: { WEB_VIEWER_WINDOW_BYTES: String(WINDOW_BYTES) } });
  const origin = web.url.replace(/\/$/, "");
  const res = await fetch(`${web.url}api/login`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ token: web.tokens.full }) });
  expect(res.status).toBe(200);
  cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}, 60_000);

afterAll(async () => {
  await web?.close();
  programs?.remove();
});

/** The stored history in full, read call after call until the store says it has all. */
async function storedBytes(sys: System, sessionId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let from = 0;
  for (;;) {
    const h = await readHistory(sys, sessionId, from);
    parts.push(h.bytes);
    expect(h.end?.reason).not.toBe("HISTORY_END_REASON_GAP");
    if (h.end?.reason !== "HISTORY_END_REASON_CAUGHT_UP" || h.end.nextSeq === from) return Buffer.concat(parts);
    from = h.end.nextSeq;
  }
}

/**
 * A viewer socket speaking the page's protocol. It acknowledges as the page does once rendering
 * keeps up: after the frames that arrived together are consumed (the page acks when xterm.js has
 * no write pending), and at least every 128 KiB. Like the page, it reconnects from the seq after
 * the last it has when the socket closes for anything but the session's end or a refusal.
 */
class PageLikeViewer {
  readonly parts: Buffer[] = [];
  received = 0;
  lastSeq = 0;
  seqErrors: string[] = [];
  closeCodes: number[] = [];
  reconnects = 0;
  ended = false;
  private ws: WebSocket | undefined;
  private ackedSeq = 0;
  private sinceAck = 0;
  private ackScheduled = false;
  private stopped = false;

  constructor(
    private readonly sessionId: string,
    /** "page": as the page acks; "frame": every frame on arrival, as benchmark row W4's viewers do; "never": a page that stopped reading. */
    private readonly acks: "page" | "frame" | "never",
  ) {}

  open(): Promise<void> {
    const from = this.lastSeq + 1;
    const ws = new WebSocket(`${web.url.replace("http", "ws")}ws?session=${this.sessionId}&from=${from}`, { headers: { cookie, origin: web.url.replace(/\/$/, "") } });
    this.ws = ws;
    this.ackedSeq = 0;
    this.sinceAck = 0;
    ws.on("message", (data: Buffer, isBinary) => {
      if (!isBinary) return;
      const seq = readOutputSeq(data);
      if (this.lastSeq > 0 && seq !== this.lastSeq + 1) this.seqErrors.push(`expected seq ${this.lastSeq + 1}, got ${seq}`);
      this.lastSeq = seq;
      const bytes = data.subarray(OUTPUT_HEADER_BYTES);
      this.parts.push(Buffer.from(bytes));
      this.received += bytes.length;
      this.sinceAck += bytes.length;
      if (this.acks === "never") return;
      if (this.acks === "frame" || this.sinceAck >= 128 * 1024) this.ack(ws);
      else if (!this.ackScheduled) {
        // The page's write callback runs after the frames at hand are parsed: ack then.
        this.ackScheduled = true;
        setImmediate(() => {
          this.ackScheduled = false;
          this.ack(ws);
        });
      }
    });
    ws.on("close", (code) => {
      this.closeCodes.push(code);
      if (this.stopped || ws !== this.ws) return;
      if (code === CLOSE.ENDED) {
        this.ended = true;
        return;
      }
      if (code === CLOSE.NOT_FOUND || code === CLOSE.BAD_REQUEST) return;
      this.reconnects++;
      void this.open().catch(() => {});
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
  }

  private ack(ws: WebSocket): void {
    if (this.lastSeq <= this.ackedSeq || ws.readyState !== WebSocket.OPEN) return;
    this.ackedSeq = this.lastSeq;
    this.sinceAck = 0;
    ws.send(JSON.stringify({ type: "ack", seq: this.lastSeq }));
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }
}

/**
 * Opens `count` viewers on a program that waits for one typed byte, then floods: the viewers
 * are all attached before the first byte of output, as in the benchmark's row W4. The last
 * `silent` of them never acknowledge anything.
 */
async function floodWithViewers(count: number, acks: "page" | "frame", silent = 0): Promise<{ viewers: PageLikeViewer[]; sessionId: string }> {
  const { sessionId } = await spawn(web.sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; head -c 1 >/dev/null; exec cat "$0"', floodFile], rows: 40, cols: 120 });
  const viewers = Array.from({ length: count }, (_, i) => new PageLikeViewer(sessionId, i >= count - silent ? "never" : acks));
  await Promise.all(viewers.map((v) => v.open()));
  await new Promise<void>((resolve, reject) => web.sys.ptyClient.write({ sessionId, data: Buffer.from("g") }, (err) => (err ? reject(err) : resolve())));
  return { viewers, sessionId };
}

/** Every viewer gets the stored history exactly (which is what the program wrote), and is told the session ended. */
async function expectEveryByte(viewers: PageLikeViewer[], sessionId: string): Promise<void> {
  try {
    await waitStoredEnd(web.sys, sessionId, 60_000);
    await waitFor("every viewer has the whole flood and was told the session ended", () => viewers.every((v) => v.received >= flood.length && v.ended), DELIVERY_TIMEOUT_MS).catch((err: Error) => {
      const short = viewers.filter((v) => v.received < flood.length);
      const least = Math.min(...viewers.map((v) => v.received));
      throw new Error(`${err.message}: ${short.length} of ${viewers.length} viewers short of ${flood.length} bytes (least ${least}); reconnects ${viewers.reduce((a, v) => a + v.reconnects, 0)}`);
    });
    const stored = await storedBytes(web.sys, sessionId);
    expect(stored.equals(flood)).toBe(true);
    for (const v of viewers) {
      expect(v.seqErrors).toEqual([]);
      expect(v.bytes().equals(stored)).toBe(true);
      expect(v.closeCodes).toEqual([CLOSE.ENDED]);
    }
  } finally {
    for (const v of viewers) v.stop();
  }
}

describe("web gateway flow control under a flood", () => {
  it("one viewer acknowledging as the page does gets every byte", async () => {
    const { viewers, sessionId } = await floodWithViewers(1, "page");
    await expectEveryByte(viewers, sessionId);
  }, TEST_TIMEOUT_MS);

  it("twenty viewers on one session each get every byte", async () => {
    const { viewers, sessionId } = await floodWithViewers(20, "page");
    await expectEveryByte(viewers, sessionId);
  }, TEST_TIMEOUT_MS);

  it("a viewer that never acknowledges holds one window and stalls none of the others", async () => {
    const { viewers, sessionId } = await floodWithViewers(10, "frame", 1);
    const silent = viewers[viewers.length - 1]!;
    await expectEveryByte(viewers.slice(0, -1), sessionId);
    // The silent one got at most the gateway's window (and the frame that crossed it), and its
    // socket is still open: the gateway waits for it without holding more than that.
    const stats = web.gateway.viewerStats();
    expect(stats.length).toBe(1);
    expect(stats[0]!.unackedBytes).toBe(silent.received);
    expect(silent.received).toBeGreaterThan(0);
    expect(silent.received).toBeLessThanOrEqual(WINDOW_BYTES + MAX_CHUNK_BYTES);
    expect(silent.closeCodes).toEqual([]);
    silent.stop();
  }, TEST_TIMEOUT_MS);
});
