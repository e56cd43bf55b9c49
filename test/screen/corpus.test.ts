/**
 * The screen corpus: real programs in real PTYs through the whole system (pty-service, store,
 * PostgreSQL), each resized in the middle. At every snapshot point the store keeps, the snapshot
 * written into a fresh terminal followed by the chunks after it equals, cell by cell plus cursor,
 * active buffer and modes, a terminal that processed the whole history. Then Attach from the
 * screen on a running full-screen program: snapshot, tail from the store and memory, then live
 * output, with no gap or duplicate at the seam.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { StoreApi } from "@ptykeep/proto";
import { attach, contiguous, rpc, spawn, startSystem, waitFor, waitStoredEnd, type AttachRun, type System } from "../e2e/helpers.js";
import { diffScreens, replayInto, screenState } from "./helpers.js";
import { terminalScript, type ScriptEvent } from "./terminal-script.js";

const SCROLLBACK = 1000;
let sys: System;
let dir: string;
/** Parts of the synthetic full-screen session: file, bytes it puts on the terminal (ONLCR adds a CR per LF), resize after it. */
const tuiParts: Array<{ file: string; bytes: number; resizeAfter: { rows: number; cols: number } | undefined }> = [];

beforeAll(async () => {
  // Snapshots every KiB and none thinned away, so that many points of each program are checked;
  // the job is driven by the test (a long interval keeps the periodic pass out of the way).
  sys = await startSystem("screen_corpus", {
    storeEnv: { STORE_SNAPSHOT_EVERY_BYTES: "1024", STORE_SNAPSHOT_KEEP_EVERY_BYTES: "1024", STORE_SNAPSHOT_INTERVAL_MS: "3600000", STORE_SNAPSHOT_SCROLLBACK: String(SCROLLBACK), STORE_REAPER: "off" },
  });
  dir = mkdtempSync(path.join(tmpdir(), "ptykeep-screen-"));
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i}: the quick brown fox ${"jumps ".repeat(i % 9)}over 日本 ${i % 7 === 0 ? "😀" : ""}`);
  writeFileSync(path.join(dir, "text.txt"), lines.join("\n") + "\n");
  // The synthetic full-screen session as files a real program (dd) writes into the terminal, in
  // parts: the test resizes the terminal between parts where the script resizes.
  let part: Buffer[] = [];
  const flush = (resizeAfter?: { rows: number; cols: number }) => {
    if (part.length === 0 && !resizeAfter) return;
    const data = Buffer.concat(part);
    tuiParts.push({ file: path.join(dir, `tui${tuiParts.length}.bin`), bytes: data.length + data.filter((b) => b === 0x0a).length, resizeAfter });
    writeFileSync(tuiParts[tuiParts.length - 1]!.file, data);
    part = [];
  };
  let size = 0;
  for (const e of terminalScript(23)) {
    if (e.resize) flush(e.resize);
    else if (e.data) {
      part.push(e.data);
      size += e.data.length;
      if (size >= 900) {
        flush();
        size = 0;
      }
    }
  }
  flush();
});

afterAll(async () => {
  await sys?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const write = (sessionId: string, data: string) => rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from(data) });
const resize = (sessionId: string, rows: number, cols: number) => rpc(sys.ptyClient, "Resize", { sessionId, rows, cols });

/** Output of a running session as it is produced. */
function watch(sessionId: string): AttachRun {
  return attach(sys, { sessionId });
}

/** Waits for the program to finish a redraw after `after`: full-screen programs hide the cursor while they draw and show it when done. */
async function untilRedrawn(run: AttachRun, after: number): Promise<number> {
  return untilText(run, "\x1b[?25h", after);
}

async function untilText(run: AttachRun, text: string, after = 0): Promise<number> {
  return waitFor(`"${text}" in the output`, () => {
    const i = run.bytes().indexOf(text, after);
    return i >= 0 ? i + text.length : undefined;
  });
}

async function readAll(req: Partial<StoreApi.ReadHistoryRequest> & { sessionId: string }): Promise<StoreApi.ReadHistoryResponse__Output[]> {
  const events: StoreApi.ReadHistoryResponse__Output[] = [];
  for await (const m of sys.storeClient.readHistory({ fromSeq: 0, toSeq: 0, ...req }) as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) events.push(m);
  return events;
}

function replayEvents(events: Array<{ output?: { data: Buffer } | null; resize?: { rows: number; cols: number } | null }>): ScriptEvent[] {
  return events.flatMap((e): ScriptEvent[] => (e.output ? [{ data: e.output.data }] : e.resize ? [{ resize: { rows: e.resize.rows, cols: e.resize.cols } }] : []));
}

/** Checks every snapshot point of an ended session; returns how many were checked. */
async function checkEverySnapshot(sessionId: string): Promise<number> {
  await waitStoredEnd(sys, sessionId);
  await sys.store.snapshotter!.runOnce();
  const full = await readAll({ sessionId });
  const start = full[0]!.start!;
  const ref = await replayInto({ rows: start.rows, cols: start.cols, scrollback: SCROLLBACK, events: replayEvents(full) });
  const want = await screenState(ref);
  ref.dispose();
  const { rows } = await pgQuery<{ at_seq: string }>("SELECT at_seq FROM screen_snapshots WHERE session_id = $1 ORDER BY at_seq", [sessionId]);
  for (const { at_seq } of rows) {
    const events = await readAll({ sessionId, fromScreen: true, screenAtSeq: Number(at_seq) });
    const screen = events[1]?.screen;
    expect(screen?.atSeq, `snapshot at ${at_seq} served`).toBe(Number(at_seq));
    contiguous(events.filter((e) => e.output).map((e) => e.output!), screen!.atSeq + 1, screen!.offset);
    const term = await replayInto({ rows: screen!.rows, cols: screen!.cols, scrollback: SCROLLBACK, snapshot: screen!.data, events: replayEvents(events) });
    expect(diffScreens(want, await screenState(term)), `session ${sessionId}, from the snapshot at seq ${at_seq}`).toEqual([]);
    term.dispose();
  }
  return rows.length;
}

async function pgQuery<T extends Record<string, unknown>>(text: string, values: unknown[]): Promise<{ rows: T[] }> {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: sys.dbUrl });
  await c.connect();
  try {
    return await c.query<T>(text, values);
  } finally {
    await c.end();
  }
}

const env = { TERM: "xterm-256color", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" };

describe("screen corpus (real programs, real PTYs)", () => {
  it("coloured shell output and ls --color, resized in the middle", async () => {
    const { sessionId } = await spawn(sys, {
      command: "bash",
      args: [
        "--norc",
        "--noprofile",
        "-c",
        `stty -echo; for b in $(seq 1 10); do for i in $(seq 1 12); do printf '\\e[3%dm%03d\\e[0m \\e[1mbold\\e[0m \\e[48;5;%dmbg\\e[0m text\\n' $((i % 8)) $b$i $((b * i % 256)); done; printf 'batch %d\\n' $b; read x; done; ls --color=always -la /usr/bin | head -150; printf 'done\\n'`,
      ],
      env,
    });
    const run = watch(sessionId);
    let at = 0;
    for (let b = 1; b <= 10; b++) {
      at = await untilText(run, `batch ${b}\r\n`, at);
      if (b === 5) await resize(sessionId, 30, 100);
      await write(sessionId, "\n");
    }
    await untilText(run, "done", at);
    expect(await checkEverySnapshot(sessionId)).toBeGreaterThan(5);
  });

  it("less on a file: paging, a search, a resize, quitting", async () => {
    const { sessionId } = await spawn(sys, { command: "less", args: [path.join(dir, "text.txt")], env });
    const run = watch(sessionId);
    let at = await untilText(run, "line 0:");
    await write(sessionId, " ");
    at = await untilText(run, "line 4", at);
    await resize(sessionId, 18, 60);
    await write(sessionId, "/fox jumps jumps jumps\r");
    at = await untilText(run, "line 3", at);
    await write(sessionId, "G");
    at = await untilText(run, "line 399", at);
    // Back to the top and to the end again: whole-screen redraws, so that several snapshot points
    // fall due however the program's output happens to be cut into chunks.
    await write(sessionId, "g");
    at = await untilText(run, "line 0:", at);
    await write(sessionId, "G");
    await untilText(run, "line 399", at);
    await write(sessionId, "q");
    await run.done;
    expect(await checkEverySnapshot(sessionId)).toBeGreaterThan(3);
  });

  it("vim on a file: moving, editing, a resize, saving and quitting", async () => {
    const file = path.join(dir, "edit.txt");
    writeFileSync(file, Array.from({ length: 200 }, (_, i) => `row ${i} ${"abc ".repeat(i % 12)}`).join("\n") + "\n");
    const { sessionId } = await spawn(sys, { command: "vim", args: ["-u", "NONE", "-N", "-n", "-c", "syntax off", "-c", "set laststatus=2 ruler", file], env });
    const run = watch(sessionId);
    let at = await untilText(run, "row 0");
    at = await untilRedrawn(run, at);
    for (const keys of ["30G", "50Gdd", "resize", "Oinserted 漢字 text\x1b", "80G", "120Gdd", "G", "gg", "/abc abc abc\r", "n"]) {
      if (keys === "resize") await resize(sessionId, 20, 70);
      else await write(sessionId, keys);
      at = await untilRedrawn(run, at);
    }
    await write(sessionId, ":wq\r");
    await run.done;
    expect(await checkEverySnapshot(sessionId)).toBeGreaterThanOrEqual(3);
  });

  it("a full-screen UI (background-coloured spaces, boxes, status line), alternate screen, scroll region, wide characters, a \\r progress bar, resized in the middle", async () => {
    const files = tuiParts.map((p) => p.file).join(" ");
    const { sessionId } = await spawn(sys, { command: "bash", args: ["--norc", "--noprofile", "-c", `stty -echo; for f in ${files}; do dd if=$f bs=97 status=none; read x; done; printf '\\e[?7h\\nend-of-tui\\n'`], env });
    const run = watch(sessionId);
    let total = 0;
    for (const p of tuiParts) {
      total += p.bytes;
      await waitFor(`${total} bytes of the UI`, () => run.bytes().length >= total);
      if (p.resizeAfter) await resize(sessionId, p.resizeAfter.rows, p.resizeAfter.cols);
      await write(sessionId, "\n");
    }
    await untilText(run, "end-of-tui");
    expect(await checkEverySnapshot(sessionId)).toBeGreaterThanOrEqual(4);
  });
});

describe("attach from the screen", () => {
  it("a running full-screen program: snapshot, tail and live output with no gap or duplicate, the screen equal to the whole history's", async () => {
    const { sessionId } = await spawn(sys, { command: "vim", args: ["-u", "NONE", "-N", "-n", "-c", "set laststatus=2", path.join(dir, "text.txt")], env });
    const run = watch(sessionId);
    let at = await untilText(run, "line 0");
    at = await untilRedrawn(run, at);
    for (const key of ["20G", "40G", "60G"]) {
      await write(sessionId, key);
      at = await untilRedrawn(run, at);
    }
    await waitFor("output durable", async () => {
      const s = await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId });
      return s.session!.durableBytes >= at;
    });
    await sys.store.snapshotter!.runOnce();
    // More output after the snapshot, so that the tail is not empty.
    await write(sessionId, "100G");
    at = await untilRedrawn(run, at);

    const viewer = attach(sys, { sessionId, fromScreen: true });
    await waitFor("the attached viewer to catch up", () => viewer.bytes().length > 0 && viewer.chunks.at(-1)!.seq === run.chunks.at(-1)!.seq);
    const start = viewer.events[0]!.start!;
    expect(start.screenStatus).toBe("SCREEN_STATUS_SNAPSHOT");
    const screen = viewer.events[1]!.screen!;
    expect(start.fromSeq).toBe(screen.atSeq + 1);
    // Live output after attaching arrives in order too.
    await write(sessionId, "200G");
    await untilRedrawn(run, at);
    await waitFor("live output on the attached viewer", () => viewer.chunks.at(-1)?.seq === run.chunks.at(-1)!.seq);
    contiguous(viewer.chunks, screen.atSeq + 1, screen.offset);
    const fromScreen = await replayInto({ rows: screen.rows, cols: screen.cols, scrollback: SCROLLBACK, snapshot: screen.data, events: replayEvents(viewer.events) });
    const all = await replayInto({ rows: 24, cols: 80, scrollback: SCROLLBACK, events: replayEvents(run.events) });
    expect(diffScreens(await screenState(all), await screenState(fromScreen))).toEqual([]);
    // Far fewer bytes than the whole history.
    expect(viewer.bytes().length).toBeLessThan(run.bytes().length);
    viewer.call.cancel();
    await write(sessionId, ":q!\r");
    await run.done;
  });

  it("repaint: a resize round trip after the screen makes a live full-screen program redraw", async () => {
    const { sessionId } = await spawn(sys, { command: "vim", args: ["-u", "NONE", "-N", "-n", "-c", "set laststatus=2", path.join(dir, "text.txt")], env });
    const run = watch(sessionId);
    const at = await untilRedrawn(run, await untilText(run, "line 0"));
    await waitFor("output durable", async () => {
      const s = await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId });
      return s.session!.durableBytes >= at;
    });
    await sys.store.snapshotter!.runOnce();
    const viewer = attach(sys, { sessionId, fromScreen: true, repaint: true });
    // One row more, then the size again, on this stream (and every other viewer's).
    await waitFor("the two resizes of the nudge", () => viewer.events.filter((e) => e.resize).length >= 2);
    expect(viewer.events.filter((e) => e.resize).map((e) => [e.resize!.rows, e.resize!.cols])).toEqual([
      [25, 80],
      [24, 80],
    ]);
    await waitFor("the same resizes on the other viewer", () => run.events.filter((e) => e.resize).length >= 2);
    // The program redrew: output after the nudge.
    const before = viewer.events.findIndex((e) => e.resize);
    await waitFor("a redraw after the nudge", () => viewer.events.slice(before).some((e) => e.output));
    viewer.call.cancel();
    await write(sessionId, ":q!\r");
    await run.done;
  });

  it("an ended session attaches from its final screen", async () => {
    const { sessionId } = await spawn(sys, { command: "bash", args: ["--norc", "--noprofile", "-c", "for i in $(seq 1 300); do printf '\\e[32mok %d\\e[0m\\n' $i; done"], env });
    await waitStoredEnd(sys, sessionId);
    await sys.store.snapshotter!.runOnce();
    const viewer = attach(sys, { sessionId, fromScreen: true });
    expect((await viewer.done).code).toBe(0);
    expect(viewer.events[0]!.start!.screenStatus).toBe("SCREEN_STATUS_SNAPSHOT");
    expect(viewer.events[1]!.screen).toBeTruthy();
    expect(viewer.chunks).toEqual([]);
    expect(viewer.events.at(-1)!.exit).toBeTruthy();
  });

  it("refuses from_screen with from_seq or live_only, and repaint without from_screen", async () => {
    const { sessionId } = await spawn(sys, { command: "bash", args: ["--norc", "--noprofile", "-c", "read x"], env });
    for (const req of [{ fromScreen: true, fromSeq: 2 }, { fromScreen: true, liveOnly: true }, { repaint: true }]) {
      const run = attach(sys, { sessionId, ...req });
      const status = await run.done;
      expect(status.code, JSON.stringify(req)).toBe(3);
      expect(status.details).toMatch(/from_seq|live_only|from_screen/);
    }
    await write(sessionId, "\n");
  });
});
