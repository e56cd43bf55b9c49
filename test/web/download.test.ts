/**
 * History downloads through the gateway's HTTP endpoint, for a session of several MB: the raw
 * download is byte for byte the stored history, and the asciicast recording parses and its
 * output events, concatenated, are the UTF-8 decoding of those bytes. Also while the program is
 * still writing: the download holds at least everything stored when it began, and is a prefix
 * of the final history.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPORA } from "../../bench/corpus.js";
import { Programs } from "../e2e/programs.js";
import { getSession, readHistory, spawn, waitFor, waitStoredEnd } from "../e2e/helpers.js";
import { startWebSystem, type WebSystem } from "./helpers.js";

const MiB = 1024 * 1024;
const TEST_TIMEOUT_MS = 180_000;

let web: WebSystem;
let programs: Programs;
let cookie: string;

beforeAll(async () => {
  programs = new Programs();
  web = await startWebSystem("web_download");
  const origin = web.url.replace(/\/$/, "");
  const res = await fetch(`${web.url}api/login`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ token: web.tokens.full }) });
  expect(res.status).toBe(200);
  cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
});

afterAll(async () => {
  await web?.close();
  programs?.remove();
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function download(sessionId: string, format: "raw" | "cast"): Promise<Buffer> {
  const res = await fetch(`${web.url}api/sessions/${sessionId}/history.${format}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** The stored history in full, read from the store call after call until it says it has all. */
async function storedBytes(sessionId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let from = 0;
  for (;;) {
    const h = await readHistory(web.sys, sessionId, from);
    parts.push(h.bytes);
    expect(h.end?.reason).not.toBe("HISTORY_END_REASON_GAP");
    if (h.end?.reason !== "HISTORY_END_REASON_CAUGHT_UP" || h.end.nextSeq === from) return Buffer.concat(parts);
    from = h.end.nextSeq;
  }
}

/** The asciicast lines: header, then events; returns the "o" events' text concatenated. */
function castOutput(cast: Buffer): { header: Record<string, unknown>; output: string } {
  const lines = cast.toString("utf8").split("\n");
  expect(lines.pop()).toBe("");
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  let output = "";
  let lastTime = 0;
  for (const line of lines.slice(1)) {
    const [time, code, data] = JSON.parse(line) as [number, string, string];
    expect(time).toBeGreaterThanOrEqual(lastTime);
    lastTime = time;
    if (code === "o") output += data;
  }
  return { header, output };
}

describe("history downloads through the gateway", () => {
  it("a session of several MB: raw bytes equal the stored history, the asciicast output its UTF-8 decoding", async () => {
    const bytes = 6 * MiB;
    const content = CORPORA.realistic(bytes, 7);
    const file = programs.file("download-6m.bin", content);
    const { sessionId } = await spawn(web.sys, { ...programs.rawCat(file), rows: 30, cols: 100 });
    const stored = await waitStoredEnd(web.sys, sessionId, 120_000);
    expect(stored.durableBytes).toBe(bytes);
    const history = await storedBytes(sessionId);
    expect(sha256(history)).toBe(sha256(content));

    const raw = await download(sessionId, "raw");
    expect(raw.length).toBe(history.length);
    expect(sha256(raw)).toBe(sha256(history));

    const cast = castOutput(await download(sessionId, "cast"));
    expect(cast.header).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(cast.output).toBe(new TextDecoder("utf-8").decode(history));
  }, TEST_TIMEOUT_MS);

  it("while the program is still writing: everything stored when the download began, a prefix of the final history", async () => {
    const bytes = 8 * MiB;
    const content = CORPORA.realistic(bytes, 8);
    const file = programs.file("download-running.bin", content);
    // Writes the file, then stays running until its input ends.
    const { sessionId } = await spawn(web.sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; cat "$0"; exec cat >/dev/null', file], rows: 30, cols: 100 });
    const before = await waitFor(
      "a few MB stored",
      async () => {
        const s = await getSession(web.sys, sessionId);
        return s.durableBytes >= 2 * MiB ? s : undefined;
      },
      120_000,
    );
    const raw = await download(sessionId, "raw");
    expect(raw.length).toBeGreaterThanOrEqual(before.durableBytes);
    await waitFor("the whole file stored", async () => (await getSession(web.sys, sessionId)).durableBytes === bytes, 120_000);
    const history = await storedBytes(sessionId);
    expect(sha256(history)).toBe(sha256(content));
    expect(sha256(raw)).toBe(sha256(history.subarray(0, raw.length)));
  }, TEST_TIMEOUT_MS);
});
