/**
 * A deterministic terminal session for the snapshot tests: coloured log lines, a `\r` progress
 * bar, wide characters and emoji, a scroll region, modes a viewer needs (application cursor keys,
 * bracketed paste, SGR mouse reporting, hidden cursor, line-drawing charset, autowrap off), and a
 * full-screen UI on the alternate screen painted with background-coloured spaces, a box and a
 * status line, entered and left, with resizes in the middle. Cut into chunks at arbitrary byte
 * positions, so chunk boundaries fall inside escape sequences and UTF-8 characters.
 */
import { mulberry32 } from "../support/rng.js";

export interface ScriptEvent {
  data?: Buffer;
  resize?: { rows: number; cols: number };
}

const ESC = "\x1b";

function tuiFrame(rows: number, cols: number, n: number): string {
  let s = `${ESC}[H${ESC}[48;5;236m${ESC}[2J`;
  // Box.
  const w = Math.min(40, cols - 4);
  s += `${ESC}[2;3H${ESC}(0${ESC}[38;2;200;180;40ml${"q".repeat(w - 2)}k`;
  for (let r = 3; r < 8; r++) s += `${ESC}[${r};3Hx${ESC}[${w - 2}C${"x"}`;
  s += `${ESC}[8;3Hm${"q".repeat(w - 2)}j${ESC}(B`;
  s += `${ESC}[4;5H${ESC}[1;97mframe ${n} ${ESC}[22;3m日本語 ✓ 🎉${ESC}[23m`;
  // Status line in inverse at the bottom.
  s += `${ESC}[${rows};1H${ESC}[0;7m${` status ${n} `.padEnd(cols - 1, " ")}${ESC}[0m`;
  s += `${ESC}[6;6H`;
  return s;
}

/** The session's output and resizes, in order. */
export function terminalScript(seed: number): ScriptEvent[] {
  const r = mulberry32(seed);
  let rows = 24;
  let cols = 80;
  const pieces: Array<string | { rows: number; cols: number }> = [];
  for (let i = 0; i < 60; i++) pieces.push(`${ESC}[3${i % 8}m[${i}]${ESC}[0m line ${i} ${ESC}[1mbold${ESC}[0m ${ESC}[48;2;10;20;${i}mrgb${ESC}[0m\r\n`);
  for (let p = 0; p <= 100; p += 7) pieces.push(`\rprogress [${"#".repeat(p / 5)}${" ".repeat(20 - Math.floor(p / 5))}] ${p}%`);
  pieces.push("\r\n");
  pieces.push("wide: 漢字かな 한국어 emoji 😀👍🏽 done\r\n");
  pieces.push({ rows: 30, cols: 100 });
  rows = 30;
  cols = 100;
  // A scroll region with output scrolling inside it.
  pieces.push(`${ESC}[5;15r${ESC}[5;1H`);
  for (let i = 0; i < 25; i++) pieces.push(`${ESC}[32min region ${i}${ESC}[0m\r\n`);
  pieces.push(`${ESC}[r${ESC}[${rows};1H`);
  // Full-screen UI on the alternate screen, with the modes such programs set.
  pieces.push(`${ESC}[?1049h${ESC}[?1h${ESC}=${ESC}[?2004h${ESC}[?1000h${ESC}[?1006h${ESC}[?25l`);
  for (let n = 0; n < 6; n++) {
    pieces.push(tuiFrame(rows, cols, n));
    if (n === 2) {
      pieces.push({ rows: 20, cols: 70 });
      rows = 20;
      cols = 70;
    }
  }
  pieces.push(`${ESC}[?25h${ESC}[?1000l${ESC}[?1006l${ESC}[?2004l${ESC}[?1l${ESC}>${ESC}[?1049l`);
  for (let i = 0; i < 30; i++) pieces.push(`after ${i} ${ESC}[4munder${ESC}[24m ${ESC}[7minv${ESC}[27m\r\n`);
  // Autowrap off, a line written to the last column, a pending wrap at the end.
  pieces.push(`${ESC}[?7l${"x".repeat(cols + 5)}\r\n${ESC}[?7h${"y".repeat(cols)}`);
  // A chunk cut anywhere: split every piece of text at random byte positions.
  const events: ScriptEvent[] = [];
  for (const p of pieces) {
    if (typeof p !== "string") {
      events.push({ resize: p });
      continue;
    }
    const bytes = Buffer.from(p, "utf8");
    let at = 0;
    while (at < bytes.length) {
      const n = 1 + Math.floor(r() * Math.min(bytes.length - at, 400));
      events.push({ data: bytes.subarray(at, at + n) });
      at += n;
    }
  }
  return events;
}
