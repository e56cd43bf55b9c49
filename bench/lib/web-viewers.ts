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
import { OUTPUT_HEADER_BYTES, readOutputSeq } from "../../web/src/protocol.js";

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

function openOne(i: number): Promise<void> {
  const origin = args.url.replace(/\/$/, "");
  const ws = new WebSocket(`${args.url.replace("http", "ws")}ws?session=${args.sessionId}&from=0`, { headers: { cookie: args.cookie, origin } });
  sockets.push(ws);
  bytes[i] = 0;
  codes[i] = null;
  ws.on("close", (code) => (codes[i] = code));
  ws.on("message", (data: Buffer, isBinary) => {
    if (!isBinary) return;
    bytes[i]! += data.length - OUTPUT_HEADER_BYTES;
    ws.send(JSON.stringify({ type: "ack", seq: readOutputSeq(data) }));
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

process.on("message", (msg: { type: string }) => {
  if (msg.type === "report") send({ type: "report", bytes, codes });
  else if (msg.type === "stop") {
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
