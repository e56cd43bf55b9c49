/**
 * The WebSocket protocol between the page and the gateway, shared by both sides (this file
 * runs in Node and in the browser: no Node or DOM types).
 *
 * One socket per viewer of one session: `GET /ws?session=<id>&from=<seq>` (from = the first seq
 * the page has not rendered; 0 = from the oldest kept output), or `GET /ws?session=<id>&screen=1`
 * for a page that has nothing yet: the stream begins from the store's newest screen snapshot
 * (a `screen` event after `start`, written into the terminal before the output that follows).
 *
 * Gateway → page:
 * - output as BINARY frames: an 8-byte big-endian seq, then the program's bytes exactly as
 *   written (no base64, no JSON, never decoded on the way);
 * - everything else as JSON text frames (ServerEvent).
 * Page → gateway:
 * - keystrokes and pastes as BINARY frames (the bytes to type, UTF-8 from the page);
 * - resize and ack as JSON text frames (ClientEvent). An ack says the page has rendered every
 *   output frame up to and including `seq`; the gateway sends at most its window ahead of it.
 */

/** Bytes of the seq header in front of each output frame. */
export const OUTPUT_HEADER_BYTES = 8;

/** WebSocket close codes the page acts on. */
export const CLOSE = Object.freeze({
  /** The session ended and every byte was delivered: do not reconnect. */
  ENDED: 4000,
  /** Not signed in, or the sign-in expired: show the login form. */
  UNAUTHENTICATED: 4001,
  /** The session does not exist: do not reconnect. */
  NOT_FOUND: 4004,
  /** The request cannot succeed as sent (bad id, bad seq): do not reconnect. */
  BAD_REQUEST: 4400,
  /** Standard "service restart": the gateway is stopping; reconnect (to it or a replacement). */
  RESTART: 1012,
  /** Standard "try again later": a service behind the gateway is down; reconnect with backoff. */
  TRY_AGAIN: 1013,
});

export interface StartEvent {
  type: "start";
  /** Seq of the first output frame that follows. */
  fromSeq: number;
  /** Terminal size at that point. */
  rows: number;
  cols: number;
  /** Older output was removed by retention: the replay starts later than asked. */
  truncated: boolean;
  /** This viewer may only watch. */
  readOnly: boolean;
}

export interface ResizeEvent {
  type: "resize";
  rows: number;
  cols: number;
  /** The first output seq printed at this size. */
  atSeq: number;
}

export interface ExitEvent {
  type: "exit";
  /** Set when the program exited by itself. */
  exitCode: number | null;
  /** Set when a signal ended it ("SIGKILL"). */
  signal: string;
  /** Last output seq of the session. */
  finalSeq: number;
  reason: string;
}

/** Something the page should show, the socket stays open (e.g. a refused keystroke). */
export interface NoticeEvent {
  type: "notice";
  message: string;
}

/**
 * The terminal as it stood right after output chunk atSeq, right after `start` (whose size it
 * is for) when the page asked for the screen. `data` is the snapshot's bytes in base64: escape
 * sequences made by the store's emulator, not program output, written as they are into a fresh
 * terminal before the output frames from atSeq + 1.
 */
export interface ScreenEvent {
  type: "screen";
  atSeq: number;
  rows: number;
  cols: number;
  data: string;
}

/** The store could not reach the session's pty-service for a while, after output chunk atSeq. */
export interface UnreachableEvent {
  type: "unreachable";
  atSeq: number;
  reason: string;
}

export type ServerEvent = StartEvent | ResizeEvent | ExitEvent | NoticeEvent | ScreenEvent | UnreachableEvent;

export interface ClientResize {
  type: "resize";
  rows: number;
  cols: number;
}

export interface ClientAck {
  type: "ack";
  seq: number;
}

export type ClientEvent = ClientResize | ClientAck;

/** Reads the seq of an output frame (exact up to 2^53, far beyond any session). */
export function readOutputSeq(frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, OUTPUT_HEADER_BYTES);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

/** Writes the seq header of an output frame into its first 8 bytes. */
export function writeOutputSeq(frame: Uint8Array, seq: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset, OUTPUT_HEADER_BYTES);
  view.setUint32(0, Math.floor(seq / 2 ** 32));
  view.setUint32(4, seq >>> 0);
}

/** What the page lists for a session (GET /api/sessions), as the gateway sends it. */
export interface SessionSummary {
  id: string;
  command: string;
  args: string[];
  state: string;
  createdAtMs: number | null;
  endedAtMs: number | null;
  rows: number;
  cols: number;
  exitCode: number | null;
  exitSignal: string;
  bytes: number;
}
