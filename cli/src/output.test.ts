import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { OutputSink, PROGRESS, Progress } from "./output.js";

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => chunks.join("") };
}

describe("Progress", () => {
  it("stays silent for short replays, then redraws one line at a bounded rate, and clears it", () => {
    const err = capture(true);
    let now = 0;
    const p = new Progress(err.stream, { enabled: true, total: 4 * 1024 * 1024, label: "replaying", now: () => now });
    p.add(1024 * 1024);
    expect(err.text()).toBe("");
    now = PROGRESS.SHOW_AFTER_MS;
    p.add(1024 * 1024);
    expect(err.text()).toBe("\r\x1b[Kreplaying 2.0 MiB of 4.0 MiB (50%)");
    now += PROGRESS.REDRAW_MS - 1;
    p.add(1);
    expect(err.text().split("\r\x1b[K")).toHaveLength(2);
    p.done();
    expect(err.text().endsWith("\r\x1b[K")).toBe(true);
  });

  it("is shown only when stderr is a terminal and stdout is not", () => {
    expect(Progress.enabledFor(capture(false).stream, capture(true).stream)).toBe(true);
    expect(Progress.enabledFor(capture(true).stream, capture(true).stream)).toBe(false);
    expect(Progress.enabledFor(capture(false).stream, capture(false).stream)).toBe(false);
  });
});

describe("OutputSink", () => {
  it("waits for a slow reader instead of buffering without bound", async () => {
    const slow = new PassThrough({ highWaterMark: 4 });
    const sink = new OutputSink(slow);
    let written = false;
    const pending = sink.write(Buffer.alloc(64, 1)).then(() => (written = true));
    await new Promise((r) => setImmediate(r));
    expect(written).toBe(false);
    slow.read();
    await pending;
    expect(written).toBe(true);
  });

  it("stops quietly when the reader has gone (EPIPE)", async () => {
    const gone = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })) });
    const sink = new OutputSink(gone);
    await sink.write(Buffer.from("a"));
    await new Promise((r) => setImmediate(r));
    expect(sink.closed).toBe(true);
    await expect(sink.write(Buffer.from("b"))).resolves.toBeUndefined();
  });
});
