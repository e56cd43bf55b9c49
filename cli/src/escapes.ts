/**
 * Backslash escapes in `ptykeep write ID TEXT`, so keys that a shell argument cannot carry can
 * still be typed: \r (Enter), \n, \t, \e (Escape), \xHH (any byte, e.g. \x03 = Ctrl-C), \\.
 * The rest of TEXT is sent as UTF-8. \xHH is a byte, not a character, so invalid UTF-8 can be
 * written on purpose.
 */
import { UsageError } from "./errors.js";

const SIMPLE_ESCAPES: Record<string, number> = {
  "\\": 0x5c,
  a: 0x07,
  b: 0x08,
  e: 0x1b,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "0": 0x00,
};

export function interpretEscapes(text: string): Buffer {
  const parts: Buffer[] = [];
  let literalStart = 0;
  let i = 0;
  const flushLiteral = (end: number) => {
    if (end > literalStart) parts.push(Buffer.from(text.slice(literalStart, end), "utf8"));
  };
  while (i < text.length) {
    if (text[i] !== "\\") {
      i++;
      continue;
    }
    flushLiteral(i);
    const kind = text[i + 1];
    if (kind === undefined) throw new UsageError("TEXT ends with a lone backslash; write \\\\ for a backslash");
    if (kind === "x") {
      const hex = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new UsageError(`\\x must be followed by two hex digits (e.g. \\x03), got \\x${hex}`);
      parts.push(Buffer.from([parseInt(hex, 16)]));
      i += 4;
    } else if (kind === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new UsageError(`\\u must be followed by four hex digits (e.g. \\u00e9), got \\u${hex}`);
      parts.push(Buffer.from(String.fromCharCode(parseInt(hex, 16)), "utf8"));
      i += 6;
    } else if (kind in SIMPLE_ESCAPES) {
      parts.push(Buffer.from([SIMPLE_ESCAPES[kind]!]));
      i += 2;
    } else {
      throw new UsageError(`unknown escape \\${kind} in TEXT (known: \\r \\n \\t \\e \\a \\b \\f \\v \\0 \\\\ \\xHH \\uHHHH)`);
    }
    literalStart = i;
  }
  flushLiteral(text.length);
  return Buffer.concat(parts);
}
