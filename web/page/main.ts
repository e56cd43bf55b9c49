/**
 * The ptykeep page: sign in, list sessions (live), start one, open one (history then live),
 * type, paste, resize, download. Plain DOM and xterm.js, no framework.
 *
 * The terminal follows the session's size (the start and resize events), and a full viewer
 * proposes its own size (the fit addon) when it opens and when the window changes, so the
 * session's size follows the window and history renders at the size it was written at.
 *
 * Reconnecting without loss: the page remembers the last output seq it received (every frame
 * received is rendered, in order). When the socket drops (network change, phone asleep,
 * gateway restart) it reconnects with backoff and asks for the seq after it: no gap, no
 * duplicate, no replay of what is on screen. It acknowledges what xterm.js has rendered (the
 * write callback), which is what lets the gateway bound what it holds for this page.
 */
import "@xterm/xterm/css/xterm.css";
import "./style.css";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { WebglAddon } from "@xterm/addon-webgl";
import { CLOSE, OUTPUT_HEADER_BYTES, readOutputSeq, type ClientEvent, type ServerEvent, type SessionSummary } from "../src/protocol.js";

/** Numbers of the page, each with its reason. */
const PAGE = Object.freeze({
  /** Reconnect backoff: first delay, cap; each attempt doubles, with jitter so pages spread out. */
  RECONNECT_INITIAL_MS: 250,
  RECONNECT_MAX_MS: 8_000,
  /** The session list refreshes this often while it is shown. */
  LIST_REFRESH_MS: 2_000,
  /** Lines of scrollback kept in the page. */
  SCROLLBACK: 10_000,
  /** Input is sent in pieces of at most this many bytes (the gateway's message limit is 1 MiB). */
  INPUT_PIECE_BYTES: 64 * 1024,
  /** An ack is sent at least every this many rendered bytes, and whenever rendering catches up. */
  ACK_EVERY_BYTES: 128 * 1024,
  /** A window resize settles for this long before the new size is proposed. */
  RESIZE_SETTLE_MS: 100,
  NOTICE_MS: 4_000,
});

type ConnState = "connecting" | "connected" | "reconnecting" | "read-only" | "ended" | "error";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const el = {
  title: $<HTMLSpanElement>("#title"),
  status: $<HTMLSpanElement>("#status"),
  actions: $<HTMLSpanElement>("#actions"),
  login: $<HTMLElement>("#login"),
  loginForm: $<HTMLFormElement>("#login-form"),
  token: $<HTMLInputElement>("#token"),
  loginError: $<HTMLParagraphElement>("#login-error"),
  list: $<HTMLElement>("#list"),
  startForm: $<HTMLFormElement>("#start-form"),
  command: $<HTMLSelectElement>("#command"),
  listError: $<HTMLSpanElement>("#list-error"),
  rows: $<HTMLTableSectionElement>("#sessions tbody"),
  terminal: $<HTMLElement>("#terminal"),
  term: $<HTMLDivElement>("#term"),
  keys: $<HTMLElement>("#keys"),
  notice: $<HTMLParagraphElement>("#notice"),
};

interface Me {
  loginRequired: boolean;
  role: "full" | "read-only" | null;
  commands: string[];
}

let me: Me = { loginRequired: true, role: null, commands: [] };
let noticeTimer: number | undefined;

function notice(text: string): void {
  el.notice.textContent = text;
  el.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => (el.notice.hidden = true), PAGE.NOTICE_MS);
}

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? "GET",
    headers: init.body === undefined ? {} : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: "same-origin",
  });
  if (res.status === 401) {
    void route();
    throw new Error("sign in first");
  }
  const text = await res.text();
  const value = text ? (JSON.parse(text) as T & { error?: string }) : ({} as T & { error?: string });
  if (!res.ok) throw new Error(value.error ?? `${res.status} ${res.statusText}`);
  return value;
}

function show(section: "login" | "list" | "terminal"): void {
  el.login.hidden = section !== "login";
  el.list.hidden = section !== "list";
  el.terminal.hidden = section !== "terminal";
}

function setStatus(state: ConnState | "", detail = ""): void {
  el.status.dataset.state = state || "idle";
  el.status.textContent = state ? (detail ? `${state} · ${detail}` : state) : "";
}

function age(ms: number | null): string {
  if (ms === null) return "";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// ── session list ───────────────────────────────────────────────────────────────────────────────

let listTimer: number | undefined;

async function refreshList(): Promise<void> {
  try {
    const { sessions } = await api<{ sessions: SessionSummary[] }>("/api/sessions");
    el.listError.textContent = "";
    el.rows.replaceChildren(
      ...sessions.map((s) => {
        const tr = document.createElement("tr");
        tr.dataset.id = s.id;
        const state = s.state === "exited" && s.exitCode !== null ? `exited ${s.exitCode}` : s.state;
        const cells = [state, [s.command, ...s.args].join(" "), age(s.createdAtMs), `${s.cols}×${s.rows}`, size(s.bytes)];
        for (const [i, text] of cells.entries()) {
          const td = document.createElement("td");
          td.textContent = text;
          if (i === 0) td.className = `state-${s.state}`;
          tr.append(td);
        }
        tr.addEventListener("click", () => (location.hash = `#/s/${s.id}`));
        return tr;
      }),
    );
  } catch (err) {
    el.listError.textContent = (err as Error).message;
  }
}

function openList(): void {
  show("list");
  setStatus("");
  el.title.textContent = "sessions";
  el.actions.replaceChildren(logoutButton());
  el.startForm.hidden = me.role !== "full";
  el.command.replaceChildren(...me.commands.map((c) => Object.assign(document.createElement("option"), { value: c, textContent: c })));
  void refreshList();
  clearInterval(listTimer);
  listTimer = window.setInterval(() => void refreshList(), PAGE.LIST_REFRESH_MS);
}

el.startForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  api<{ sessionId: string }>("/api/sessions", { method: "POST", body: { command: el.command.value } }).then(
    ({ sessionId }) => (location.hash = `#/s/${sessionId}`),
    (err: Error) => (el.listError.textContent = err.message),
  );
});

function logoutButton(): HTMLElement {
  const b = document.createElement("button");
  b.textContent = "Sign out";
  b.hidden = !me.loginRequired;
  b.addEventListener("click", () => void api("/api/logout", { method: "POST" }).finally(() => void route()));
  return b;
}

// ── login ──────────────────────────────────────────────────────────────────────────────────────

el.loginForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  el.loginError.textContent = "";
  fetch("/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: el.token.value }), credentials: "same-origin" })
    .then(async (res) => {
      if (res.ok) {
        el.token.value = "";
        await route();
        return;
      }
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      el.loginError.textContent = body.error ?? `${res.status} ${res.statusText}`;
    })
    .catch((err: Error) => (el.loginError.textContent = err.message));
});

// ── terminal ───────────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder();

/** One open session: the xterm.js terminal and the socket that feeds it. */
class SessionView {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private ws: WebSocket | undefined;
  /** Last output seq received (and therefore rendered, in order); 0 = none yet. */
  lastSeq = 0;
  /** Last seq whose write xterm.js has finished, and the last one acknowledged to the gateway. */
  renderedSeq = 0;
  private ackedSeq = 0;
  private renderedSinceAck = 0;
  private pendingWrites = 0;
  /** Bytes the gateway sent this page over its sockets (frames as received, JSON events included). */
  receivedBytes = 0;
  /** Seq the screen this page began from stands at (0: it began from the history). */
  screenSeq = 0;
  /** Frames whose seq was not the one expected (must stay 0: the gateway promises no gap, no duplicate). */
  seqErrors: string[] = [];
  state: ConnState = "connecting";
  readOnly = false;
  private attempt = 0;
  private retryTimer: number | undefined;
  /** The last reconnect attempt reached no gateway at all (not a refusal): shown in the status. */
  private unreachable = false;
  private closed = false;
  private ctrlArmed = false;
  private sentSize: { rows: number; cols: number } | undefined;
  private resizeTimer: number | undefined;
  /** Frames held back instead of rendered (a test's stand-in for a page that stops reading). */
  private held: Array<{ seq: number; data: Uint8Array }> | undefined;
  private readonly onWindowResize = () => {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => this.proposeSize(), PAGE.RESIZE_SETTLE_MS);
  };
  private readonly onWake = () => {
    if (!this.closed && document.visibilityState === "visible" && this.state === "reconnecting") this.connectNow();
  };

  constructor(readonly sessionId: string) {
    this.term = new Terminal({ scrollback: PAGE.SCROLLBACK, cursorBlink: true, fontSize: 14, allowProposedApi: false, theme: { background: "#101214" } });
    this.term.loadAddon(this.fit);
    this.term.open(el.term);
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => webgl.dispose());
      this.term.loadAddon(webgl);
    } catch {
      // No WebGL here: xterm.js keeps its DOM renderer.
    }
    this.term.onData((data) => this.type(encoder.encode(data)));
    // Mouse reports in the legacy encoding are bytes, one per character.
    this.term.onBinary((data) => this.type(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    window.addEventListener("resize", this.onWindowResize);
    document.addEventListener("visibilitychange", this.onWake);
    window.addEventListener("online", this.onWake);
    this.connect();
  }

  private setState(state: ConnState, detail = ""): void {
    this.state = state;
    setStatus(state, detail);
  }

  private connect(): void {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // The first seq not yet received. A page that has nothing yet begins from the session's
    // screen (the store's newest snapshot, then the output after it), not its whole history.
    const where = this.lastSeq === 0 ? "from=0&screen=1" : `from=${this.lastSeq + 1}`;
    const ws = new WebSocket(`${scheme}//${location.host}/ws?session=${encodeURIComponent(this.sessionId)}&${where}`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
      if (typeof ev.data === "string") {
        this.receivedBytes += ev.data.length;
        this.onEvent(JSON.parse(ev.data) as ServerEvent);
      } else {
        this.receivedBytes += ev.data.byteLength;
        this.onOutput(new Uint8Array(ev.data));
      }
    };
    ws.onclose = (ev) => this.onClose(ws, ev);
  }

  private onEvent(ev: ServerEvent): void {
    switch (ev.type) {
      case "start":
        this.attempt = 0;
        this.readOnly = ev.readOnly;
        this.setState(ev.readOnly ? "read-only" : "connected");
        if (this.lastSeq === 0 && ev.rows > 0 && ev.cols > 0) this.term.resize(ev.cols, ev.rows);
        if (ev.truncated && this.lastSeq === 0) notice(`output before seq ${ev.fromSeq} was removed by retention`);
        if (this.lastSeq === 0) this.lastSeq = ev.fromSeq - 1;
        this.proposeSize();
        break;
      case "resize":
        // In order with the output before it: xterm.js parses writes later, resizes would jump the queue.
        this.term.write(new Uint8Array(0), () => this.term.resize(ev.cols, ev.rows));
        break;
      case "screen": {
        // Only a page with nothing rendered asks for the screen; a fresh terminal of the
        // snapshot's size takes it, then the output after it.
        const bytes = Uint8Array.from(atob(ev.data), (c) => c.charCodeAt(0));
        this.term.reset();
        if (ev.rows > 0 && ev.cols > 0) this.term.resize(ev.cols, ev.rows);
        this.screenSeq = ev.atSeq;
        this.render(ev.atSeq, bytes);
        break;
      }
      case "unreachable":
        notice(`the session's pty-service was out of reach after seq ${ev.atSeq}: ${ev.reason}`);
        break;
      case "exit":
        this.setState("ended", ev.exitCode !== null ? `exit code ${ev.exitCode}` : ev.signal || ev.reason);
        break;
      case "notice":
        notice(ev.message);
        break;
    }
  }

  private onOutput(frame: Uint8Array): void {
    const seq = readOutputSeq(frame);
    if (this.lastSeq > 0 && seq !== this.lastSeq + 1) this.seqErrors.push(`expected seq ${this.lastSeq + 1}, got ${seq}`);
    this.lastSeq = seq;
    const data = frame.subarray(OUTPUT_HEADER_BYTES);
    if (this.held) this.held.push({ seq, data });
    else this.render(seq, data);
  }

  private render(seq: number, data: Uint8Array): void {
    this.pendingWrites++;
    this.term.write(data, () => {
      this.pendingWrites--;
      this.renderedSeq = seq;
      this.renderedSinceAck += data.length;
      if (this.pendingWrites === 0 || this.renderedSinceAck >= PAGE.ACK_EVERY_BYTES) this.ack();
    });
  }

  private ack(): void {
    if (this.renderedSeq <= this.ackedSeq) return;
    this.ackedSeq = this.renderedSeq;
    this.renderedSinceAck = 0;
    this.control({ type: "ack", seq: this.renderedSeq });
  }

  /** Stops (true) or resumes rendering; held frames are neither rendered nor acknowledged. */
  hold(on: boolean): void {
    if (on) {
      this.held ??= [];
      return;
    }
    const held = this.held ?? [];
    this.held = undefined;
    for (const f of held) this.render(f.seq, f.data);
  }

  private control(ev: ClientEvent): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(ev));
  }

  private onClose(ws: WebSocket, ev: CloseEvent): void {
    if (ws !== this.ws || this.closed) return;
    this.ws = undefined;
    // Acks count per socket: the next one starts from what is rendered by then.
    this.ackedSeq = 0;
    if (ev.code === CLOSE.ENDED) {
      if (this.state !== "ended") this.setState("ended");
      return;
    }
    if (ev.code === CLOSE.NOT_FOUND || ev.code === CLOSE.BAD_REQUEST) {
      this.setState("error", ev.reason || "refused");
      return;
    }
    this.setState("reconnecting", this.unreachable ? "gateway unreachable, retrying" : "");
    const delay = Math.min(PAGE.RECONNECT_MAX_MS, PAGE.RECONNECT_INITIAL_MS * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.retryTimer = window.setTimeout(() => void this.reconnect(), delay);
  }

  private connectNow(): void {
    clearTimeout(this.retryTimer);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    if (this.closed || this.ws) return;
    // A refused upgrade is only a failed socket to the page: ask whether the sign-in is still valid.
    try {
      const res = await fetch("/api/me", { credentials: "same-origin" });
      this.unreachable = false;
      if (res.ok && ((await res.json()) as Me).role === null) {
        void route();
        return;
      }
    } catch {
      // The gateway is not there yet: say so; the socket attempt fails and backs off again.
      this.unreachable = true;
      if (this.state === "reconnecting") this.setState("reconnecting", "gateway unreachable, retrying");
    }
    if (!this.closed && !this.ws) this.connect();
  }

  private type(bytes: Uint8Array): void {
    if (this.readOnly) {
      notice("read-only: typing is not sent");
      return;
    }
    if (this.ctrlArmed && bytes.length === 1) {
      bytes = Uint8Array.of(controlOf(bytes[0]!));
      this.setCtrl(false);
    }
    if (this.ws?.readyState !== WebSocket.OPEN) {
      notice("not connected: typing is not sent");
      return;
    }
    for (let at = 0; at < bytes.length; at += PAGE.INPUT_PIECE_BYTES) this.ws.send(bytes.subarray(at, at + PAGE.INPUT_PIECE_BYTES));
  }

  setCtrl(on: boolean): void {
    this.ctrlArmed = on;
    el.keys.querySelector('[data-key="ctrl"]')?.setAttribute("aria-pressed", String(on));
  }

  key(name: string): void {
    const seqs: Record<string, string> = { esc: "\x1b", tab: "\t", "ctrl-c": "\x03", up: "\x1b[A", down: "\x1b[B", right: "\x1b[C", left: "\x1b[D" };
    if (name === "ctrl") {
      this.setCtrl(!this.ctrlArmed);
      this.term.focus();
      return;
    }
    const s = seqs[name];
    if (s !== undefined) this.type(encoder.encode(s));
    this.term.focus();
  }

  /** Proposes the size that fits the window, when it differs from the last proposal. */
  private proposeSize(): void {
    if (this.readOnly) return;
    const dims = this.fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.rows) || !Number.isFinite(dims.cols) || dims.rows < 1 || dims.cols < 1) return;
    if (this.sentSize && this.sentSize.rows === dims.rows && this.sentSize.cols === dims.cols) return;
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.sentSize = { rows: dims.rows, cols: dims.cols };
    this.control({ type: "resize", rows: dims.rows, cols: dims.cols });
  }

  /** What the terminal shows, scrollback included, one string per line (for tests and debugging). */
  bufferLines(): string[] {
    const b = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? "");
    return lines;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.resizeTimer);
    window.removeEventListener("resize", this.onWindowResize);
    document.removeEventListener("visibilitychange", this.onWake);
    window.removeEventListener("online", this.onWake);
    this.ws?.close(1000);
    this.term.dispose();
  }
}

/** Ctrl+key: letters and @[\]^_ map to 0x00-0x1f, '?' to DEL; anything else is sent as is. */
function controlOf(byte: number): number {
  if (byte >= 0x61 && byte <= 0x7a) return byte - 0x60;
  if (byte >= 0x40 && byte <= 0x5f) return byte - 0x40;
  if (byte === 0x3f) return 0x7f;
  return byte;
}

let view: SessionView | undefined;

el.keys.addEventListener("click", (ev) => {
  const key = (ev.target as HTMLElement).closest("button")?.dataset.key;
  if (key && view) view.key(key);
});
// Key bar buttons must not take the focus (and the phone's keyboard) away from the terminal.
el.keys.addEventListener("mousedown", (ev) => ev.preventDefault());

function openSession(id: string): void {
  clearInterval(listTimer);
  if (view?.sessionId === id) return;
  view?.close();
  show("terminal");
  el.title.textContent = id;
  const link = (format: "raw" | "cast", text: string) => Object.assign(document.createElement("a"), { href: `/api/sessions/${id}/history.${format}`, textContent: text, download: `${id}.${format}` });
  const actions: HTMLElement[] = [link("raw", "Download raw"), link("cast", "Download .cast")];
  if (me.role === "full") {
    const kill = document.createElement("button");
    kill.textContent = "Kill";
    kill.addEventListener("click", () => {
      if (confirm("End this session?")) api(`/api/sessions/${id}/kill`, { method: "POST" }).catch((err: Error) => notice(err.message));
    });
    actions.push(kill);
  }
  actions.push(logoutButton());
  el.actions.replaceChildren(...actions);
  view = new SessionView(id);
  view.term.focus();
}

/** Bumped by every route(): a route whose fetch resolves after a newer one started gives way. */
let routeGeneration = 0;

async function route(): Promise<void> {
  const generation = ++routeGeneration;
  let who: Me;
  try {
    who = (await (await fetch("/api/me", { credentials: "same-origin" })).json()) as Me;
  } catch {
    if (generation === routeGeneration) setStatus("error", "gateway unreachable");
    return;
  }
  // The page load's route and a hash change right after it race: only the newest one acts.
  if (generation !== routeGeneration) return;
  me = who;
  if (me.role === null) {
    view?.close();
    view = undefined;
    clearInterval(listTimer);
    show("login");
    setStatus("");
    el.title.textContent = "";
    el.actions.replaceChildren();
    el.token.focus();
    return;
  }
  const m = /^#\/s\/([0-9a-f-]{36})$/i.exec(location.hash);
  if (m) openSession(m[1]!);
  else {
    view?.close();
    view = undefined;
    openList();
  }
}

window.addEventListener("hashchange", () => void route());
void route();

/**
 * For tests and debugging in the console: the open session's view (terminal, stream position,
 * seq errors) and the Terminal class, to render bytes into a reference terminal to compare with.
 */
Object.assign(window, {
  ptykeep: {
    get view() {
      return view;
    },
    Terminal,
  },
});
