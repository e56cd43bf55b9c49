/**
 * The detach key sequence of interactive attach, and the state machine that spots it in the
 * keystrokes going to the session.
 *
 * Default `ctrl-] d`: Ctrl-] is telnet's escape key, unused by shells and most editors (bash
 * binds it to a rarely used character search), and unlike tmux's Ctrl-b it still works when
 * ptykeep runs inside tmux. The second key makes a stray Ctrl-] harmless: Ctrl-] followed by
 * anything else is sent to the program as typed.
 */
import { UsageError } from "./errors.js";

export const DEFAULT_DETACH_KEYS = "ctrl-],d";

/**
 * Parses a key list: keys separated by commas or spaces, each a single character, `ctrl-X`,
 * `C-X` or `^X` (X one of @ A-Z [ \ ] ^ _ ?). E.g. "ctrl-],d", "C-b d", "^P,^Q".
 */
export function parseDetachKeys(spec: string): Buffer {
  const tokens = spec.trim().length === 0 ? [] : splitKeys(spec.trim());
  if (tokens.length === 0) throw new UsageError(`detach keys ${JSON.stringify(spec)} are empty; use e.g. "ctrl-],d"`);
  const bytes: number[] = [];
  for (const token of tokens) {
    const ctrl = /^(?:ctrl-|c-|\^)(.)$/i.exec(token);
    if (ctrl) {
      const code = controlCode(ctrl[1]!);
      if (code === undefined) throw new UsageError(`detach key ${JSON.stringify(token)}: no such control key (use ctrl- with a letter or one of @ [ \\ ] ^ _ ?)`);
      bytes.push(code);
    } else if (token.length === 1 && token.charCodeAt(0) < 0x80) {
      bytes.push(token.charCodeAt(0));
    } else {
      throw new UsageError(`detach key ${JSON.stringify(token)} is not a single ASCII character or ctrl-X`);
    }
  }
  return Buffer.from(bytes);
}

/** "ctrl-],d" style: keys separated by commas; a lone "," key is written as itself. */
function splitKeys(spec: string): string[] {
  if (spec === ",") return [","];
  return spec.split(/[\s,]+/).filter((t) => t.length > 0);
}

function controlCode(key: string): number | undefined {
  if (key === "?") return 0x7f;
  const upper = key.toUpperCase().charCodeAt(0);
  return upper >= 0x40 && upper <= 0x5f ? upper & 0x1f : undefined;
}

/** For messages: the sequence as a person would type it, e.g. "ctrl-] d". */
export function describeDetachKeys(keys: Buffer): string {
  return [...keys]
    .map((b) => (b === 0x7f ? "ctrl-?" : b < 0x20 ? `ctrl-${String.fromCharCode(b + 0x40).toLowerCase()}` : String.fromCharCode(b)))
    .join(" ");
}

export interface ScanResult {
  /** Bytes to send to the session (keys held back for a partial match are not in it yet). */
  forward: Buffer;
  /** The whole sequence was typed: detach now (anything typed after it is dropped). */
  detach: boolean;
}

/**
 * Watches keystrokes for the detach sequence. Bytes that might begin the sequence are held
 * back until the next key shows whether they do; on a mismatch they are sent, in order.
 */
export class DetachDetector {
  private matched = 0;

  constructor(private readonly keys: Buffer) {
    if (keys.length === 0) throw new Error("detach sequence must not be empty");
  }

  push(input: Buffer): ScanResult {
    const out: number[] = [];
    for (const byte of input) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { forward: Buffer.from(out), detach: true };
        }
        continue;
      }
      if (this.matched > 0) {
        // The held keys were not the sequence after all: send them, then look at this byte
        // afresh (it may itself start the sequence).
        for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
        this.matched = 0;
        if (byte === this.keys[0]) {
          this.matched = 1;
          if (this.keys.length === 1) return { forward: Buffer.from(out), detach: true };
          continue;
        }
      }
      out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
