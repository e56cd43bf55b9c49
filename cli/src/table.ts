/**
 * The human-readable session list of `ptykeep ls`: one row per session, columns padded to fit,
 * the command cut with "…" so a row stays on one line; and the JSON form for scripts.
 */
import { sessionStateName, timestampToMs, type StoreApi } from "@ptykeep/proto/client";
import { shellJoin } from "./asciicast.js";

type Session = StoreApi.Session__Output;

export const TABLE_LIMITS = Object.freeze({
  /** The command column is cut to this many characters, so a long argv keeps rows readable. */
  MAX_COMMAND_CHARS: 40,
  /** Spaces between columns. */
  COLUMN_GAP: 2,
});

export function stateName(state: string): string {
  return sessionStateName(state) ?? state.replace(/^SESSION_STATE_/, "").toLowerCase();
}

/** "exited (0)", "killed (SIGTERM)", "running". */
export function stateLabel(s: Session): string {
  const name = stateName(s.state);
  if (s.exitCode !== undefined && s.exitCode !== null && (name === "exited" || name === "killed")) return `${name} (${s.exitCode})`;
  if (s.exitSignal) return `${name} (${s.exitSignal})`;
  return name;
}

/** 1023 B, 1.5 KiB, 12 MiB: binary units, one decimal below 10. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = "B";
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** 42s, 5m, 3h, 2d: the largest whole unit, like `docker ps`. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Cuts to `max` characters (code points), ending with "…" when something was cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Control characters would move the cursor or recolour the terminal; show them as "?". */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

export function sessionRow(s: Session, nowMs: number): string[] {
  const created = timestampToMs(s.createdAt);
  return [
    s.sessionId,
    stateLabel(s),
    truncate(printable(shellJoin(s.command, s.args)), TABLE_LIMITS.MAX_COMMAND_CHARS),
    created === undefined ? "-" : humanAge(nowMs - created),
    humanBytes(s.durableBytes),
    s.ptyNode || "-",
  ];
}

export const SESSION_COLUMNS = ["ID", "STATE", "COMMAND", "AGE", "HISTORY", "NODE"];

/** Pads every column but the last to its widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((r) => [...(r[col] ?? "")].length)));
  const gap = " ".repeat(TABLE_LIMITS.COLUMN_GAP);
  return all
    .map((r) =>
      r
        .map((cell, col) => (col === r.length - 1 ? cell : cell + " ".repeat(widths[col]! - [...cell].length)))
        .join(gap)
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** One session as a JSON object for `ls --json`: plain names, ISO times, states in lower case. */
export function sessionJson(s: Session): Record<string, unknown> {
  const iso = (ts: Session["createdAt"]) => {
    const ms = timestampToMs(ts);
    return ms === undefined ? null : new Date(ms).toISOString();
  };
  return {
    id: s.sessionId,
    state: stateName(s.state),
    command: s.command,
    args: s.args,
    cwd: s.cwd,
    node: s.ptyNode,
    pid: s.pid,
    rows: s.rows,
    cols: s.cols,
    labels: s.labels,
    exitCode: s.exitCode ?? null,
    exitSignal: s.exitSignal || null,
    endReason: s.endReason || null,
    createdAt: iso(s.createdAt),
    startedAt: iso(s.startedAt),
    endedAt: iso(s.endedAt),
    durableSeq: s.durableSeq,
    durableBytes: s.durableBytes,
    finalSeq: s.finalSeq,
    firstKeptSeq: s.firstKeptSeq,
  };
}
