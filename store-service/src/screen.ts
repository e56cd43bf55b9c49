/**
 * The terminal emulator behind screen snapshots: a headless xterm.js terminal fed a session's
 * output, and the bytes that put a fresh terminal into the same state.
 *
 * `@xterm/addon-serialize` writes the cells (scrollback, visible screen, normal and alternate
 * buffer, colours and attributes) and some modes. Measured against an emulator that saw the whole
 * history, it misses: the cursor when a line was written to its last column (the pending wrap:
 * it comes back one column off), a hidden cursor, the scroll region, origin mode with the cursor
 * relative to it, the saved cursor (DECSC), the G0-G3 character sets and the one in use, mouse
 * event encoding (SGR 1006), the cursor style, and the current pen when the serializer's last
 * cell already had it. `screenEpilogue` appends those from the emulator's state, after the
 * serializer's output. Some of that state is only reachable through xterm's internals (`_core`);
 * `terminalState` gathers every such access in one place, checked against @xterm/headless 6.
 *
 * Not carried (and named in test/screen/fidelity.test.ts): the normal buffer's scroll region and
 * saved cursor while the alternate buffer is active, tab stops set by the program (HTS/TBC), the
 * window title, and colours redefined by OSC 4/10/11.
 *
 * A snapshot is taken only where the emulator is at rest (its parser in the ground state and no
 * partial UTF-8 character pending): a chunk that ends inside an escape sequence leaves state the
 * serialised screen cannot hold, so the snapshot waits for a later boundary.
 */
import xtermHeadless from "@xterm/headless";
import serializeAddon from "@xterm/addon-serialize";
import type { Terminal as TerminalType, IBufferCell } from "@xterm/headless";

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

export type Emulator = TerminalType;

export function createEmulator(p: { rows: number; cols: number; scrollback: number }): Emulator {
  // allowProposedApi: the serializer reads the buffer through proposed API. logLevel off: output
  // the emulator cannot parse is the program's own doing, not the store's, and xterm.js would
  // print each instance to the console with its whole parser state.
  return new Terminal({ rows: p.rows, cols: p.cols, scrollback: p.scrollback, allowProposedApi: true, logLevel: "off" });
}

/** Queues bytes; the emulator parses them in time slices (call settle() before reading state). */
export function feed(term: Emulator, data: Uint8Array | string): void {
  term.write(data);
}

/**
 * Parses bytes at once, on the caller's stack, instead of queueing them for xterm.js's time-sliced
 * parser: the snapshot job measures what each chunk costs and paces itself (snapshotter.ts), and
 * reads the state right after it without a timer turn per chunk. Safe here because no handler of
 * ours is asynchronous (xterm.js only defers parsing for those); never mix it with feed() on the
 * same emulator while feed()'s queue is not settled. Goes through xterm's internals (`_core`),
 * like terminalState (checked against @xterm/headless 6.0).
 */
export function parseNow(term: Emulator, data: Uint8Array | string): void {
  (term as any)._core.writeSync(data);
}

/** Resolves once everything written so far has been parsed. */
export function settle(term: Emulator): Promise<void> {
  return new Promise((resolve) => term.write("", resolve));
}

/** Internal state the public API does not show. */
interface CoreState {
  cursorHidden: boolean;
  scrollTop: number;
  scrollBottom: number;
  /** Raw cursor column: equals cols while a wrap is pending. */
  x: number;
  y: number;
  savedX: number;
  savedY: number;
  savedAttr: AttrLike;
  pen: AttrLike;
  charsets: Array<object | undefined>;
  glevel: number;
  parserState: number;
  utf8Pending: boolean;
  mouseEncoding: string;
  cursorStyle: string | undefined;
  cursorBlink: boolean | undefined;
  origin: boolean;
}

/** The attribute accessors shared by buffer cells and xterm's internal attribute data. */
type AttrLike = Pick<
  IBufferCell,
  "isBold" | "isDim" | "isItalic" | "isUnderline" | "isBlink" | "isInverse" | "isInvisible" | "isStrikethrough" | "isOverline" | "getFgColorMode" | "getBgColorMode" | "getFgColor" | "getBgColor" | "isFgRGB" | "isBgRGB" | "isFgPalette" | "isBgPalette"
>;

/** Every access to xterm's internals, in one place (checked against @xterm/headless 6.0). */
export function terminalState(term: Emulator): CoreState {
  const core = (term as any)._core;
  const buffer = core.buffer;
  const handler = core._inputHandler;
  const modes = core.coreService.decPrivateModes;
  return {
    cursorHidden: Boolean(core.coreService.isCursorHidden),
    scrollTop: buffer.scrollTop,
    scrollBottom: buffer.scrollBottom,
    x: buffer.x,
    y: buffer.y,
    savedX: buffer.savedX,
    savedY: buffer.savedY,
    savedAttr: buffer.savedCurAttrData,
    pen: handler._curAttrData,
    charsets: [...core._charsetService._charsets],
    glevel: core._charsetService.glevel,
    parserState: handler._parser.currentState,
    utf8Pending: handler._utf8Decoder.interim[0] !== 0 || handler._stringDecoder._interim !== 0,
    mouseEncoding: String(core.coreMouseService.activeEncoding),
    cursorStyle: modes.cursorStyle,
    cursorBlink: modes.cursorBlink,
    origin: Boolean(modes.origin),
  };
}

/** True when the bytes fed so far end between escape sequences and characters. */
export function atRest(term: Emulator): boolean {
  const s = terminalState(term);
  // 0 is the parser's GROUND state.
  return s.parserState === 0 && !s.utf8Pending;
}

/** The SGR sequence that sets exactly these attributes from the default. */
export function sgrOf(a: AttrLike): string {
  const p: string[] = ["0"];
  if (a.isBold()) p.push("1");
  if (a.isDim()) p.push("2");
  if (a.isItalic()) p.push("3");
  if (a.isUnderline()) p.push("4");
  if (a.isBlink()) p.push("5");
  if (a.isInverse()) p.push("7");
  if (a.isInvisible()) p.push("8");
  if (a.isStrikethrough()) p.push("9");
  if (a.isOverline()) p.push("53");
  p.push(...colour(a.isFgRGB(), a.isFgPalette(), a.getFgColor(), 30));
  p.push(...colour(a.isBgRGB(), a.isBgPalette(), a.getBgColor(), 40));
  return `\x1b[${p.join(";")}m`;
}

function colour(rgb: boolean, palette: boolean, value: number, base: 30 | 40): string[] {
  if (rgb) return [`${base + 8};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`];
  if (!palette) return [];
  if (value < 8) return [String(base + value)];
  if (value < 16) return [String(base + 60 + value - 8)];
  return [`${base + 8};5;${value}`];
}

/** Final bytes of the character sets a program can designate (ESC ( F), by xterm's table object. */
const CHARSET_FINALS = ["0", "A", "B", "4", "C", "5", "R", "Q", "K", "Y", "E", "6", "Z", "H", "7", "=", "`"];
let charsetFinals: Promise<Map<object, string>> | undefined;

/** xterm keeps designated sets as shared table objects: learn which final designates which. */
function charsetTable(): Promise<Map<object, string>> {
  charsetFinals ??= (async () => {
    const map = new Map<object, string>();
    const scratch = createEmulator({ rows: 1, cols: 1, scrollback: 0 });
    for (const f of CHARSET_FINALS) {
      feed(scratch, `\x1b(${f}`);
      await settle(scratch);
      const set = terminalState(scratch).charsets[0];
      if (set && !map.has(set)) map.set(set, f);
    }
    scratch.dispose();
    return map;
  })();
  return charsetFinals;
}

/** Designation prefixes of G0..G3. */
const G_DESIGNATORS = ["(", ")", "*", "+"];
/** Shifts that invoke G0..G3 into GL: SI, SO, LS2, LS3. */
const G_INVOKE = ["\x0f", "\x0e", "\x1bn", "\x1bo"];

/**
 * What the serializer leaves out, as sequences to write after its output (see the file comment).
 * Order matters: the scroll region and origin mode move the cursor, and rewriting the last cell
 * (to restore a pending wrap) must happen before insert mode and autowrap are set.
 */
export async function screenEpilogue(term: Emulator): Promise<string> {
  const s = terminalState(term);
  const buf = term.buffer.active;
  let out = "";
  if (s.scrollTop !== 0 || s.scrollBottom !== term.rows - 1) out += `\x1b[${s.scrollTop + 1};${s.scrollBottom + 1}r`;
  // The saved cursor (DECSC), then the real one. CUP is relative to the region in origin mode,
  // so positions are written before origin mode is set, and origin mode is set with DECSC after.
  // The saved row counts from the top of the scrollback; a row that has scrolled out of the
  // screen cannot be reproduced and is clamped to the top row.
  // Nothing saved yet (the initial state) is left as a fresh terminal has it, so that the row
  // keeps counting from the top of the scrollback exactly as the original's does.
  const savedRow = Math.max(0, s.savedY - buf.baseY);
  const savedAttr = sgrOf(s.savedAttr);
  if (s.savedX !== 0 || s.savedY !== 0 || savedAttr !== "\x1b[0m") {
    out += `\x1b[?6l\x1b[${savedRow + 1};${Math.min(s.savedX, term.cols - 1) + 1}H${savedAttr}\x1b7`;
  }
  if (s.x >= term.cols && term.modes.wraparoundMode) {
    // A pending wrap: rewrite the line's last character so the cursor sits past it, as it did.
    const line = buf.getLine(buf.baseY + s.y);
    let col = term.cols - 1;
    let cell = line?.getCell(col);
    if (cell && cell.getWidth() === 0 && col > 0) cell = line?.getCell(--col);
    const chars = cell?.getChars() || " ";
    out += `\x1b[${s.y + 1};${col + 1}H${cell ? sgrOf(cell) : "\x1b[0m"}${chars}`;
  } else {
    out += `\x1b[${s.y + 1};${Math.min(s.x, term.cols - 1) + 1}H`;
  }
  if (s.origin) {
    // DECOM homes the cursor: set it, then place the cursor relative to the region.
    out += `\x1b[?6h\x1b[${s.y - s.scrollTop + 1};${Math.min(s.x, term.cols - 1) + 1}H`;
  }
  out += sgrOf(s.pen);
  const finals = await charsetTable();
  s.charsets.forEach((set, g) => {
    if (set) out += `\x1b${G_DESIGNATORS[g]}${finals.get(set) ?? "B"}`;
  });
  out += G_INVOKE[s.glevel] ?? "";
  const m = term.modes;
  if (m.applicationCursorKeysMode) out += "\x1b[?1h";
  if (m.applicationKeypadMode) out += "\x1b[?66h\x1b=";
  if (m.bracketedPasteMode) out += "\x1b[?2004h";
  if (m.insertMode) out += "\x1b[4h";
  if (m.reverseWraparoundMode) out += "\x1b[?45h";
  if (m.sendFocusMode) out += "\x1b[?1004h";
  if (!m.wraparoundMode) out += "\x1b[?7l";
  out += MOUSE_MODES[m.mouseTrackingMode] ?? "";
  out += MOUSE_ENCODINGS[s.mouseEncoding] ?? "";
  if (s.cursorStyle !== undefined || s.cursorBlink !== undefined) out += `\x1b[${cursorStyleParam(s.cursorStyle, s.cursorBlink)} q`;
  if (s.cursorHidden) out += "\x1b[?25l";
  return out;
}

const MOUSE_MODES: Record<string, string> = { x10: "\x1b[?9h", vt200: "\x1b[?1000h", drag: "\x1b[?1002h", any: "\x1b[?1003h" };
const MOUSE_ENCODINGS: Record<string, string> = { SGR: "\x1b[?1006h", SGR_PIXELS: "\x1b[?1016h" };

/** DECSCUSR parameter for a style and blink (xterm: 1/2 block, 3/4 underline, 5/6 bar; odd blinks). */
function cursorStyleParam(style: string | undefined, blink: boolean | undefined): number {
  const base = style === "underline" ? 3 : style === "bar" ? 5 : 1;
  return blink === false ? base + 1 : base;
}

/** Cursor position and pen the normal buffer saved when the alternate screen was entered. */
function normalSavedCursor(term: Emulator): string {
  const normal = (term as any)._core._bufferService.buffers.normal;
  const row = Math.max(0, normal.savedY - normal.ybase);
  return `\x1b[${row + 1};${Math.min(normal.savedX, term.cols - 1) + 1}H${sgrOf(normal.savedCurAttrData)}`;
}

/** The bytes that put a fresh terminal of the same size into this terminal's state. */
export async function serializeScreen(term: Emulator, p: { scrollback: number }): Promise<string> {
  const addon = new SerializeAddon();
  term.loadAddon(addon);
  try {
    // Modes are written by the epilogue, in the order it needs.
    const all = addon.serialize({ scrollback: p.scrollback, excludeModes: true });
    if (term.buffer.active.type !== "alternate") return all + (await screenEpilogue(term));
    // Leaving the alternate screen (?1049l) restores the cursor and pen saved on entering it: put
    // them in place before the serializer's ?1049h saves them.
    const normal = addon.serialize({ scrollback: p.scrollback, excludeModes: true, excludeAltBuffer: true });
    return normal + normalSavedCursor(term) + all.slice(normal.length) + (await screenEpilogue(term));
  } finally {
    addon.dispose();
  }
}
