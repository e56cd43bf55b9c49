/**
 * asciicast v2 encoding (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line,
 * then one JSON array per event: [time, "o", text] for output, [time, "r", "COLSxROWS"] for a
 * resize, time in seconds since the session started.
 *
 * The format carries text, not bytes. Output is decoded as one UTF-8 stream across chunks: a
 * character split between two chunks is held back and emitted whole with the next event, so the
 * concatenated "o" data equals the UTF-8 decoding of the session's whole output. Bytes that are
 * not valid UTF-8 become U+FFFD (the format cannot carry them); a byte order mark is kept.
 * Times never go backwards: an event stamped earlier than the one before it (clocks of two
 * machines) is given the previous time.
 */
import { timestampToMicros, type StoreApi } from "@ptykeep/proto/client";

type Timestamp = StoreApi.OutputChunk__Output["ts"];

export interface CastHeader {
  width: number;
  height: number;
  /** Session start, Unix seconds. */
  timestamp: number;
  command?: string;
  title?: string;
  env?: Record<string, string>;
}

export class AsciicastEncoder {
  private readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  private lastMicros = 0;

  constructor(private readonly startMicros: number) {}

  header(header: CastHeader): string {
    const out: Record<string, unknown> = { version: 2, width: header.width, height: header.height, timestamp: header.timestamp };
    if (header.command !== undefined) out.command = header.command;
    if (header.title !== undefined) out.title = header.title;
    if (header.env !== undefined) out.env = header.env;
    return `${JSON.stringify(out)}\n`;
  }

  /** An "o" event, or nothing when the chunk holds only the start of a split character. */
  output(ts: Timestamp | null | undefined, data: Buffer): string | undefined {
    const text = this.decoder.decode(data, { stream: true });
    if (text.length === 0) return undefined;
    return this.event(ts, "o", text);
  }

  resize(ts: Timestamp | null | undefined, rows: number, cols: number): string {
    return this.event(ts, "r", `${cols}x${rows}`);
  }

  /** Flushes a character left incomplete at the very end (it becomes U+FFFD). */
  finish(): string | undefined {
    const text = this.decoder.decode();
    if (text.length === 0) return undefined;
    return this.line(this.lastMicros, "o", text);
  }

  private event(ts: Timestamp | null | undefined, code: "o" | "r", data: string): string {
    const at = timestampToMicros(ts) ?? this.startMicros + this.lastMicros;
    this.lastMicros = Math.max(this.lastMicros, at - this.startMicros);
    return this.line(this.lastMicros, code, data);
  }

  private line(micros: number, code: string, data: string): string {
    return `[${formatSeconds(micros)}, ${JSON.stringify(code)}, ${JSON.stringify(data)}]\n`;
  }
}

/** Seconds with microsecond precision, without exponent notation or trailing zeros. */
export function formatSeconds(micros: number): string {
  const fixed = (micros / 1_000_000).toFixed(6);
  return fixed.replace(/\.?0+$/, "") || "0";
}

/** A shell-like rendering of a command line, for the header and the session list. */
export function shellJoin(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(" ");
}

function shellQuote(word: string): string {
  if (word.length > 0 && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
