/**
 * Row W4's viewers, in a process of their own: N WebSocket clients of the gateway on one session,
 * speaking the page's protocol (binary output frames, a JSON ack per frame, as a page that keeps
 * up does). In the suite's own process, 100 sockets receiving a flood keep its event loop busy,
 * and the timing of the program (GetSession polled until the last output is durable) waits
 * behind them: the row would measure the suite, not the program. Here they only compete for
 * the CPU, as pages on the same machine would.
 *
 * Driven over IPC (child_process fork): argv[2] is JSON { url, cookie, sessionId, count }. It
 * sends { type: "open" } once every socket is open (or { type: "error", message }), and answers
 * { type: "report" } with { type: "report", bytes: number[], codes: Array<number | null> } (output
 * bytes received and close code per viewer). { type: "stop" } drops every socket and exits.
 */
import WebSocket from "ws";
import { CLOSE, OUTPUT_HEADER_BYTES, readOutputSeq } from "../../web/src/protocol.js";

interface Args {
  url: string;
  cookie: string;
  sessionId: string;
  count: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const send = (msg: object) => process.send!(msg);
const sockets: WebSocket[] = [];
const bytes: number[] = [];
const codes: Array<number | null> = [];
const lastSeq: number[] = [];
/** Pause before a viewer reconnects (the page backs off from 250 ms). */
const RECONNECT_MS = 250;
let stopping = false;

const reconnects: number[] = [];

/**
 * Opens viewer i from seq `from` (0: the start). Like the page, a viewer whose socket closes for
 * any reason but the session's end or a refusal reconnects from the seq after the last it has.
 */
function openOne(i: number, from = 0): Promise<void> {
  const origin = args.url.replace(/\/$/, "");
  const ws = new WebSocket(`${args.url.replace("http", "ws")}ws?session=${args.sessionId}&from=${from}`, { headers: { cookie: args.cookie, origin } });
  sockets[i] = ws;
  bytes[i] ??= 0;
  lastSeq[i] ??= 0;
  reconnects[i] ??= 0;
  codes[i] = null;
  ws.on("close", (code) => {
    if (stopping || code === CLOSE.ENDED || code === CLOSE.NOT_FOUND || code === CLOSE.BAD_REQUEST) {
      codes[i] = code;
      return;
    }
    reconnects[i]!++;
    setTimeout(() => void openOne(i, lastSeq[i]! + 1).catch(() => {}), RECONNECT_MS);
  });
  ws.on("message", (data: Buffer, isBinary) => {
    if (!isBinary) return;
    const seq = readOutputSeq(data);
    bytes[i]! += data.length - OUTPUT_HEADER_BYTES;
    lastSeq[i] = seq;
    ws.send(JSON.stringify({ type: "ack", seq }));
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

process.on("message", (msg: { type: string }) => {
  if (msg.type === "report") send({ type: "report", bytes, codes, reconnects });
  else if (msg.type === "stop") {
    stopping = true;
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
// The suite going away takes its viewers with it.
process.on("disconnect", () => process.exit(0));

(async () => {
  for (let i = 0; i < args.count; i++) await openOne(i);
  send({ type: "open" });
})().catch((err: unknown) => send({ type: "error", message: String(err) }));
