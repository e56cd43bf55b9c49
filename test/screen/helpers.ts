/**
 * Helpers for the screen snapshot tests: the whole observable state of a terminal emulator (every
 * cell of both buffers with its character, width, colours and attributes; cursor; active buffer;
 * modes; and the state the serializer does not write), a readable diff of two such states, and
 * a store fixture's side: a script stored as a session, and the screen served from a snapshot
 * checked against the screen of the whole history.
 */
import { expect } from "vitest";
import type { StoreApi } from "@ptykeep/proto";
import { createEmulator, feed, settle, terminalState, type Emulator } from "../../store-service/src/screen.js";
import type { IBuffer, IBufferCell } from "@xterm/headless";
import { AppendStream, readHistory, unaryCall, type HistoryFixture } from "../history/helpers.js";
import type { ScriptEvent } from "./terminal-script.js";

export { createEmulator, feed, settle, terminalState };

export interface CellState {
  chars: string;
  width: number;
  fg: string;
  bg: string;
  attrs: string;
}

/** xterm's colour modes: 16-colour palette, 256-colour palette. */
const CM_P16 = 0x1000000;
const CM_P256 = 0x2000000;

/**
 * A colour as mode:value. Not carried, by the serializer: colours 0-15 set in the 256-colour form
 * (`38;5;N`) come back in the 16-colour form (`3N`/`9N`); they are the same palette entry, and
 * differ only for bold text when a viewer draws bold in bright colours. Compared as equal here;
 * fidelity.test.ts names it.
 */
export function colourOf(mode: number, value: number): string {
  return `${mode === CM_P256 && value < 16 ? CM_P16 : mode}:${value}`;
}

function cellState(c: IBufferCell): CellState {
  const flags = [c.isBold(), c.isDim(), c.isItalic(), c.isUnderline(), c.isBlink(), c.isInverse(), c.isInvisible(), c.isStrikethrough(), c.isOverline()];
  return {
    chars: c.getChars(),
    width: c.getWidth(),
    fg: colourOf(c.getFgColorMode(), c.getFgColor()),
    bg: colourOf(c.getBgColorMode(), c.getBgColor()),
    attrs: flags.map((f) => (f ? "1" : "0")).join(""),
  };
}

function bufferCells(buf: IBuffer, cols: number): Array<{ wrapped: boolean; cells: CellState[] }> {
  const out: Array<{ wrapped: boolean; cells: CellState[] }> = [];
  for (let y = 0; y < buf.length; y++) {
    const line = buf.getLine(y)!;
    const cells: CellState[] = [];
    for (let x = 0; x < cols; x++) cells.push(cellState(line.getCell(x)!));
    out.push({ wrapped: line.isWrapped, cells });
  }
  return out;
}

function attrState(a: Pick<IBufferCell, "isBold" | "isInverse" | "getFgColor" | "getBgColor" | "getFgColorMode" | "getBgColorMode" | "isUnderline" | "isItalic" | "isDim">): string {
  return [a.isBold(), a.isDim(), a.isItalic(), a.isUnderline(), a.isInverse(), a.getFgColorMode(), a.getFgColor(), a.getBgColorMode(), a.getBgColor()].map(Number).join(",");
}

/** Everything a viewer (or the next output) can tell apart, as plain data. */
export async function screenState(term: Emulator) {
  await settle(term);
  const s = terminalState(term);
  return {
    size: { rows: term.rows, cols: term.cols },
    activeBuffer: term.buffer.active.type,
    cursor: { x: s.x, y: s.y },
    normal: bufferCells(term.buffer.normal, term.cols),
    alternate: term.buffer.active.type === "alternate" ? bufferCells(term.buffer.alternate, term.cols) : [],
    modes: { ...term.modes },
    cursorHidden: s.cursorHidden,
    scrollRegion: [s.scrollTop, s.scrollBottom],
    origin: s.origin,
    // Where DECRC puts the cursor: a saved row that scrolled off the screen restores to the top.
    savedCursor: [s.savedX, Math.max(0, s.savedY - term.buffer.active.baseY), attrState(s.savedAttr)],
    pen: attrState(s.pen),
    // G0-G3; an undesignated set is ASCII, whether or not it was ever designated.
    charsets: [0, 1, 2, 3].map((g) => (s.charsets[g] ? JSON.stringify(s.charsets[g]).slice(0, 40) : "ascii")),
    glevel: s.glevel,
    mouseEncoding: s.mouseEncoding,
    cursorStyle: [s.cursorStyle ?? "default", s.cursorBlink ?? "default"],
  };
}

export type ScreenState = Awaited<ReturnType<typeof screenState>>;

/** Up to `limit` human-readable differences between two states (empty: equal). */
export function diffScreens(want: ScreenState, got: ScreenState, limit = 10): string[] {
  const out: string[] = [];
  const { normal: wn, alternate: wa, ...wRest } = want;
  const { normal: gn, alternate: ga, ...gRest } = got;
  for (const k of Object.keys(wRest) as Array<keyof typeof wRest>) {
    if (JSON.stringify(wRest[k]) !== JSON.stringify(gRest[k])) out.push(`${k}: want ${JSON.stringify(wRest[k])} got ${JSON.stringify(gRest[k])}`);
  }
  for (const [name, w, g] of [["normal", wn, gn], ["alternate", wa, ga]] as const) {
    if (w.length !== g.length) out.push(`${name} buffer: want ${w.length} lines got ${g.length}`);
    // Compare from the bottom: the visible screen lines up even when scrollback lengths differ.
    for (let i = 1; i <= Math.min(w.length, g.length) && out.length < limit; i++) {
      const wl = w[w.length - i]!;
      const gl = g[g.length - i]!;
      for (let x = 0; x < wl.cells.length && out.length < limit; x++) {
        if (JSON.stringify(wl.cells[x]) !== JSON.stringify(gl.cells[x])) out.push(`${name} line -${i} col ${x}: want ${JSON.stringify(wl.cells[x])} got ${JSON.stringify(gl.cells[x])}`);
      }
    }
  }
  return out.slice(0, limit);
}

/** A fresh emulator of the snapshot's size, fed the snapshot, then events (output and resizes). */
export async function replayInto(p: { rows: number; cols: number; scrollback: number; snapshot?: Buffer; events: Array<{ data?: Buffer; resize?: { rows: number; cols: number } }> }): Promise<Emulator> {
  const term = createEmulator({ rows: p.rows, cols: p.cols, scrollback: p.scrollback });
  if (p.snapshot) feed(term, p.snapshot);
  for (const e of p.events) {
    if (e.data) feed(term, e.data);
    if (e.resize) {
      await settle(term);
      term.resize(e.resize.cols, e.resize.rows);
    }
  }
  await settle(term);
  return term;
}

/** Scrollback of the emulators in the store-side tests (and of the snapshot jobs they run). */
export const SCROLLBACK = 200;

/** Stores the script's events as chunks (and resizes at their seqs) from `at`; returns the next seq, offset and change number. */
export async function storeScript(fx: HistoryFixture, sessionId: string, events: ScriptEvent[], at: { seq: number; offset: number; changeNo: number }) {
  const s = new AppendStream(fx.client);
  let { seq, offset, changeNo } = at;
  for (const e of events) {
    if (e.data) {
      s.write([{ chunk: { sessionId, seq, offset, ts: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, data: e.data } }]);
      offset += e.data.length;
      seq++;
    } else if (e.resize) {
      await unaryCall(fx.client, "UpdateSize", { sessionId, rows: e.resize.rows, cols: e.resize.cols, atSeq: seq - 1, changeNo: ++changeNo });
    }
  }
  await s.untilAcked(sessionId, seq - 1, 30_000);
  s.close();
  return { seq, offset, changeNo };
}

/** Marks a stored session ended at its last chunk (finalSeq). */
export async function endSession(fx: HistoryFixture, sessionId: string, finalSeq: number): Promise<void> {
  await unaryCall(fx.client, "MarkRunning", { sessionId, pid: 42 });
  await unaryCall(fx.client, "MarkExited", { sessionId, exitCode: 0, signal: "", finalSeq, reason: "END_REASON_EXITED" });
}

export async function snapshotSeqs(fx: HistoryFixture, sessionId: string): Promise<number[]> {
  return (await fx.query<{ at_seq: number }>("SELECT at_seq FROM screen_snapshots WHERE session_id = $1 ORDER BY at_seq", [sessionId])).map((r) => Number(r.at_seq));
}

export function replayEvents(events: StoreApi.ReadHistoryResponse__Output[]): ScriptEvent[] {
  return events.flatMap((e): ScriptEvent[] => (e.output ? [{ data: e.output.data }] : e.resize ? [{ resize: { rows: e.resize.rows, cols: e.resize.cols } }] : []));
}

/** The terminal after the whole kept history (plain replay, from its start). */
export async function fullScreen(fx: HistoryFixture, sessionId: string, toSeq = 0) {
  const events = await readHistory(fx.client, { sessionId, toSeq });
  const start = events[0]!.start!;
  const term = await replayInto({ rows: start.rows, cols: start.cols, scrollback: SCROLLBACK, events: replayEvents(events) });
  const state = await screenState(term);
  term.dispose();
  return state;
}

/** Checks the from-screen replay at `atSeq` against the terminal that saw everything; returns the replay. */
export async function checkFromScreen(fx: HistoryFixture, sessionId: string, atSeq: number, want: ScreenState, toSeq = 0) {
  const events = await readHistory(fx.client, { sessionId, fromScreen: true, screenAtSeq: atSeq, toSeq });
  const start = events[0]!.start!;
  expect(start.screenStatus).toBe("SCREEN_STATUS_SNAPSHOT");
  const screen = events[1]!.screen!;
  if (atSeq !== 0) expect(screen.atSeq).toBeLessThanOrEqual(atSeq);
  expect(start).toMatchObject({ fromSeq: screen.atSeq + 1, screenSeq: screen.atSeq, rows: screen.rows, cols: screen.cols, offset: screen.offset });
  // The seam: the chunks go on right after the snapshot, contiguous in seq and offset.
  const outs = events.filter((e) => e.output).map((e) => e.output!);
  let seq = screen.atSeq + 1;
  let offset = screen.offset;
  for (const o of outs) {
    expect({ seq: o.seq, offset: o.offset }).toEqual({ seq, offset });
    seq++;
    offset += o.data.length;
  }
  const term = await replayInto({ rows: screen.rows, cols: screen.cols, scrollback: SCROLLBACK, snapshot: screen.data, events: replayEvents(events) });
  expect(diffScreens(want, await screenState(term)), `from the snapshot at seq ${screen.atSeq}`).toEqual([]);
  term.dispose();
  return events;
}
