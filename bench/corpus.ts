// Deterministic, seeded terminal output for benchmarks and codec tests.
//
// What a PTY hands to ptykeep is bytes as a terminal sees them: `\r\n` line ends (the tty's
// onlcr), ANSI SGR colours, cursor movement, `\r` redraws, UTF-8 box drawing. Compression
// figures are only honest if the corpus looks like that and varies the way real output varies
// (timestamps tick, numbers change, names differ), so every generator here draws its content
// from a seeded PRNG instead of repeating a few lines. Same (bytes, seed) → same Buffer, on any
// machine, so runs can be compared.
//
// Each generator returns exactly `bytes` bytes. The cut at the end may split a UTF-8 sequence
// or an escape sequence, as a PTY read can: consumers must treat the result as bytes.

/** A generator of one kind of terminal output: exactly `bytes` bytes for a given seed. */
export type CorpusGenerator = (bytes: number, seed: number) => Buffer;

/** Per-kind generators by name, so benchmarks can report each kind on its own. */
export const CORPUS_KINDS = ["logs", "compiler", "listing", "progress", "tui", "incompressible"] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];

const CORPUS = {
  // How the realistic mix is assembled: a session shows one kind of output for a while (a build,
  // then a test run, then an editor...), so the mix switches kind in episodes rather than
  // per line. Episode length is drawn between these bounds.
  episodeMinBytes: 2 * 1024,
  episodeMaxBytes: 48 * 1024,
  // Relative share of each kind in the realistic mix. Logs and build output dominate what
  // people leave running; full-screen programs redraw a lot; listings are short bursts.
  // Incompressible data (a `cat` of a binary, base64 blobs) is measured separately.
  mixWeights: { logs: 30, compiler: 20, listing: 8, progress: 17, tui: 25 } as Record<Exclude<CorpusKind, "incompressible">, number>,
  // Terminal geometry for full-screen output.
  screenCols: 120,
  screenRows: 36,
  // A TUI repaints the whole screen now and then (resize, mode switch) but mostly rewrites
  // the cells that changed; this is the chance a frame is a full repaint.
  tuiFullRepaintChance: 0.08,
  base64LineChars: 76,
} as const;

const ESC = "\x1b[";
const RESET = `${ESC}0m`;
const CRLF = "\r\n";

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32. Tiny, fast, good enough for content variety; not for cryptography.

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Skewed pick: early items much more likely (a few hot names, a long tail). */
  pickSkewed<T>(items: readonly T[]): T {
    const r = this.next();
    return items[Math.floor(r * r * items.length)] as T;
  }
  hex(digits: number): string {
    let s = "";
    for (let i = 0; i < digits; i++) s += "0123456789abcdef"[this.int(0, 15)];
    return s;
  }
}

/** Derives independent sub-seeds so generators do not share one random stream. */
function subSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary. Enough distinct names that no single line dominates.

const WORDS = (
  "request response session connection worker queue job task cache index table user account " +
  "token upload download buffer stream socket handler router config schema migration batch " +
  "segment chunk replica lease timeout retry backoff deadline channel client server proxy " +
  "gateway cluster node shard partition snapshot checkpoint commit rollback transaction lock " +
  "metric counter gauge histogram span trace event payload message header body cookie origin " +
  "resource quota limit budget policy rule filter query cursor page offset window frame"
).split(" ");
const VERBS = (
  "started completed failed accepted rejected scheduled dequeued flushed compacted evicted " +
  "refreshed opened closed resumed paused retried expired renewed loaded saved validated " +
  "parsed serialized dropped forwarded acknowledged"
).split(" ");
const MODULES = (
  "http api db auth scheduler compactor reaper ingest billing mailer search storage gc " +
  "metrics grpc cache ws worker-1 worker-2 worker-3 worker-4 cron export import"
).split(" ");
const USERS = "alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert sybil trent victor walter".split(" ");
const DIRS = "src lib test pkg internal cmd app components services utils api models views store hooks core net io".split(" ");
const FILE_STEMS = (
  "main index server client session actor writer reader parser lexer buffer pool queue router " +
  "handler config options util helpers types errors codec segment compactor reaper socket stream " +
  "terminal screen render layout widget dialog input output format logger metrics auth token"
).split(" ");
const EXTS_C = [".c", ".cc", ".cpp", ".h"];
const EXTS_TS = [".ts", ".tsx"];
const HTTP_PATHS = ["/api/v1/users", "/api/v1/sessions", "/api/v1/orders", "/healthz", "/api/v2/search", "/static/app.js", "/api/v1/files", "/login", "/api/v1/events"];
const METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH"];
const C_TYPES = ["int", "size_t", "char *", "const char *", "struct buffer *", "uint64_t", "bool", "void *", "ssize_t"];
const TS_TYPES = ["string", "number", "boolean", "Buffer", "Session", "Promise<void>", "undefined", "Record<string, unknown>", "readonly Chunk[]", "bigint"];

function word(rng: Rng): string {
  return rng.pickSkewed(WORDS);
}
function identifier(rng: Rng): string {
  const a = rng.pick(WORDS);
  const b = rng.pick(WORDS);
  return rng.chance(0.5) ? `${a}_${b}` : `${a}${b[0]!.toUpperCase()}${b.slice(1)}`;
}
function sourcePath(rng: Rng, exts: readonly string[]): string {
  const depth = rng.int(1, 3);
  const parts: string[] = [];
  for (let i = 0; i < depth; i++) parts.push(rng.pickSkewed(DIRS));
  return `${parts.join("/")}/${rng.pickSkewed(FILE_STEMS)}${rng.pick(exts)}`;
}
function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
function pad(n: number | string, width: number): string {
  return String(n).padStart(width, " ");
}
function padEnd(s: string, width: number): string {
  return s.length >= width ? s.slice(0, width) : s + " ".repeat(width - s.length);
}

/** A clock that moves forward by small random steps, as log timestamps do. */
class Clock {
  private ms: number;
  constructor(rng: Rng) {
    // Somewhere in 2026, so dates vary between seeds.
    this.ms = Date.UTC(2026, 0, 1) + rng.int(0, 300) * 86_400_000 + rng.int(0, 86_399_999);
  }
  tick(rng: Rng, maxStepMs: number): void {
    this.ms += rng.int(0, maxStepMs);
  }
  iso(): string {
    return new Date(this.ms).toISOString();
  }
  hms(): string {
    const d = new Date(this.ms);
    return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  }
  date(): Date {
    return new Date(this.ms);
  }
}

// ---------------------------------------------------------------------------------------------
// Sources: each yields one "event" (a line, a redraw, a frame) per call, as a string.
// Strings are encoded to UTF-8 once per piece; generators never decode bytes.

type Source = () => string;

function logsSource(rng: Rng): Source {
  const clock = new Clock(rng);
  const levels = [
    { name: "INFO ", sgr: "32", weight: 70 },
    { name: "DEBUG", sgr: "36", weight: 15 },
    { name: "WARN ", sgr: "33", weight: 10 },
    { name: "ERROR", sgr: "31;1", weight: 5 },
  ];
  const pickLevel = () => {
    let r = rng.int(1, 100);
    for (const l of levels) {
      r -= l.weight;
      if (r <= 0) return l;
    }
    return levels[0]!;
  };
  // Some services log JSON, some pretty-print with colour; a session sticks to one style per run.
  let json = rng.chance(0.25);
  return () => {
    clock.tick(rng, 400);
    if (rng.chance(0.01)) json = !json;
    const level = pickLevel();
    const mod = rng.pickSkewed(MODULES);
    const reqId = rng.hex(8);
    let msg: string;
    const kind = rng.int(0, 3);
    if (kind === 0) {
      const method = rng.pick(METHODS);
      const path = `${rng.pickSkewed(HTTP_PATHS)}${rng.chance(0.6) ? `/${rng.int(1, 99_999)}` : ""}`;
      const status = level.name.startsWith("ERROR") ? rng.pick([500, 502, 503]) : rng.pick([200, 200, 200, 201, 204, 304, 404]);
      msg = `${method} ${path} status=${status} duration=${(rng.next() * rng.int(1, 900)).toFixed(1)}ms bytes=${rng.int(0, 250_000)}`;
    } else if (kind === 1) {
      msg = `${word(rng)} ${rng.pick(VERBS)} id=${rng.int(1, 9_999_999)} ${word(rng)}=${rng.int(0, 4096)} attempt=${rng.int(1, 5)}`;
    } else if (kind === 2) {
      msg = `${rng.pick(VERBS)} ${rng.int(1, 5000)} ${word(rng)}s in ${rng.int(1, 2000)}ms (${(rng.next() * 100).toFixed(2)}% ${word(rng)} hit rate)`;
    } else {
      msg = `${identifier(rng)}: ${word(rng)} ${rng.pick(VERBS)} for ${rng.pickSkewed(USERS)}@${rng.pick(["example.com", "corp.internal", "mail.test"])}`;
    }
    if (json) {
      return `{"time":"${clock.iso()}","level":"${level.name.trim().toLowerCase()}","module":"${mod}","req":"${reqId}","msg":${JSON.stringify(msg)}}${CRLF}`;
    }
    let line = `${ESC}2m${clock.iso()}${RESET} ${ESC}${level.sgr}m${level.name}${RESET} ${ESC}35m[${mod}]${RESET} ${msg} ${ESC}2mreq=${reqId}${RESET}${CRLF}`;
    if (level.name.startsWith("ERROR") && rng.chance(0.5)) {
      line += `${ESC}31mError: ${word(rng)} ${rng.pick(VERBS)}: ${rng.pick(["ECONNRESET", "ETIMEDOUT", "deadline exceeded", "unique constraint violated", "unexpected end of input"])}${RESET}${CRLF}`;
      const frames = rng.int(3, 9);
      for (let i = 0; i < frames; i++) {
        line += `    at ${identifier(rng)} (/srv/app/${sourcePath(rng, [".js"])}:${rng.int(1, 900)}:${rng.int(1, 80)})${CRLF}`;
      }
    }
    return line;
  };
}

function compilerSource(rng: Rng): Source {
  // gcc-style coloured diagnostics, tsc-style diagnostics, and the build driver's progress lines.
  let percent = 0;
  let style = rng.int(0, 2);
  return () => {
    if (rng.chance(0.02)) style = rng.int(0, 2);
    if (style === 0) {
      // make/cmake building objects, with the occasional gcc diagnostic.
      percent = Math.min(100, percent + rng.int(0, 2));
      if (percent === 100 && rng.chance(0.2)) percent = 0;
      if (!rng.chance(0.3)) {
        const file = sourcePath(rng, EXTS_C);
        return `[${pad(percent, 3)}%] ${ESC}32mBuilding C object CMakeFiles/${rng.pickSkewed(FILE_STEMS)}.dir/${file}.o${RESET}${CRLF}`;
      }
      const file = sourcePath(rng, EXTS_C);
      const line = rng.int(1, 2400);
      const col = rng.int(1, 60);
      const sev = rng.chance(0.6) ? `${ESC}01;35m${ESC}Kwarning: ${ESC}m${ESC}K` : `${ESC}01;31m${ESC}Kerror: ${ESC}m${ESC}K`;
      const id = identifier(rng);
      const what = rng.pick([
        `unused variable '${ESC}01m${ESC}K${id}${ESC}m${ESC}K'`,
        `'${ESC}01m${ESC}K${id}${ESC}m${ESC}K' undeclared (first use in this function)`,
        `implicit declaration of function '${ESC}01m${ESC}K${id}${ESC}m${ESC}K'`,
        `comparison of integer expressions of different signedness: '${rng.pick(C_TYPES)}' and '${rng.pick(C_TYPES)}'`,
        `passing argument ${rng.int(1, 4)} of '${id}' makes pointer from integer without a cast`,
      ]);
      const indent = " ".repeat(rng.int(4, 16));
      const code = `${indent}${rng.pick(C_TYPES)} ${id} = ${identifier(rng)}(${identifier(rng)}, ${rng.int(0, 255)});`;
      const caretAt = Math.min(col, code.length);
      return (
        `${ESC}01m${ESC}K${file}:${line}:${col}:${ESC}m${ESC}K ${sev}${what}${CRLF}` +
        `${pad(line, 5)} | ${code}${CRLF}` +
        `      | ${" ".repeat(caretAt)}${ESC}01;32m${ESC}K^${"~".repeat(rng.int(0, 12))}${ESC}m${ESC}K${CRLF}`
      );
    }
    if (style === 1) {
      // tsc --pretty diagnostics.
      const file = sourcePath(rng, EXTS_TS);
      const line = rng.int(1, 800);
      const col = rng.int(1, 60);
      const code = rng.pick([2322, 2345, 2339, 7006, 2532, 18048, 2304]);
      const a = rng.pick(TS_TYPES);
      const b = rng.pick(TS_TYPES);
      const msg = rng.pick([
        `Type '${a}' is not assignable to type '${b}'.`,
        `Argument of type '${a}' is not assignable to parameter of type '${b}'.`,
        `Property '${identifier(rng)}' does not exist on type '${b}'.`,
        `Parameter '${identifier(rng)}' implicitly has an 'any' type.`,
        `Object is possibly 'undefined'.`,
        `Cannot find name '${identifier(rng)}'.`,
      ]);
      const src = `${" ".repeat(rng.int(2, 10))}const ${identifier(rng)} = ${identifier(rng)}.${identifier(rng)}(${rng.int(0, 99)});`;
      const caretAt = Math.min(col, src.length);
      return (
        `${ESC}96m${file}${RESET}:${ESC}93m${line}${RESET}:${ESC}93m${col}${RESET} - ${ESC}91merror${RESET}${ESC}90m TS${code}: ${RESET}${msg}${CRLF}${CRLF}` +
        `${ESC}7m${line}${RESET} ${src}${CRLF}` +
        `${ESC}7m ${RESET} ${" ".repeat(caretAt)}${ESC}91m${"~".repeat(rng.int(1, 20))}${RESET}${CRLF}${CRLF}`
      );
    }
    // cargo-style crate compilation and test results.
    if (rng.chance(0.7)) {
      return `${ESC}1m${ESC}32m   Compiling${RESET} ${identifier(rng).replace(/_/g, "-")} v${rng.int(0, 3)}.${rng.int(0, 40)}.${rng.int(0, 20)}${CRLF}`;
    }
    const ok = rng.chance(0.9);
    return `test ${rng.pickSkewed(FILE_STEMS)}::tests::${identifier(rng)} ... ${ok ? `${ESC}32mok${RESET}` : `${ESC}31mFAILED${RESET}`}${CRLF}`;
  };
}

function listingSource(rng: Rng): Source {
  // `ls -l --color` of a directory, then a prompt; directories of varying size.
  const clock = new Clock(rng);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return () => {
    clock.tick(rng, 600_000);
    const entries = rng.int(4, 40);
    const owner = rng.pickSkewed(USERS);
    let out = `${ESC}1;32m${owner}@devbox${RESET}:${ESC}1;34m~/${rng.pickSkewed(DIRS)}/${rng.pickSkewed(DIRS)}${RESET}$ ls -l${CRLF}`;
    out += `total ${rng.int(8, 4000)}${CRLF}`;
    for (let i = 0; i < entries; i++) {
      const isDir = rng.chance(0.25);
      const isExec = !isDir && rng.chance(0.1);
      const perms = isDir ? "drwxr-xr-x" : isExec ? "-rwxr-xr-x" : rng.pick(["-rw-r--r--", "-rw-rw-r--", "-rw-------"]);
      // File sizes spread over orders of magnitude, as in a real tree.
      const size = isDir ? 4096 : Math.floor(Math.exp(rng.next() * Math.log(5_000_000)));
      // ls shows the time for files from the last six months and the year for older ones.
      const ageMs = rng.int(0, 400 * 86_400_000);
      const d = new Date(clock.date().getTime() - ageMs);
      const when = ageMs < 182 * 86_400_000
        ? `${months[d.getUTCMonth()]} ${pad(d.getUTCDate(), 2)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`
        : `${months[d.getUTCMonth()]} ${pad(d.getUTCDate(), 2)}  ${d.getUTCFullYear()}`;
      const name = isDir ? rng.pickSkewed(DIRS) : `${rng.pickSkewed(FILE_STEMS)}${rng.chance(0.3) ? `-${rng.int(1, 99)}` : ""}${rng.pick([".ts", ".json", ".md", ".log", ".sh", ".txt", ".tar.gz", ""])}`;
      const coloured = isDir ? `${ESC}01;34m${name}${RESET}` : isExec ? `${ESC}01;32m${name}${RESET}` : name.endsWith(".tar.gz") ? `${ESC}01;31m${name}${RESET}` : name;
      out += `${perms} ${pad(rng.int(1, 9), 2)} ${padEnd(owner, 7)} ${padEnd(rng.pick(["staff", "users", owner]), 7)} ${pad(size, 8)} ${when} ${coloured}${CRLF}`;
    }
    return out;
  };
}

function progressSource(rng: Rng): Source {
  // Download/test progress redrawn in place with `\r` (tqdm, pip, curl), and docker-pull style
  // multi-line progress that moves the cursor up and erases lines.
  type Bar = { kind: number; total: number; done: number; name: string; label: string; layers: number[] };
  const newBar = (): Bar => ({
    kind: rng.int(0, 3),
    total: rng.int(50, 5000),
    done: 0,
    name: `${rng.pickSkewed(FILE_STEMS)}-${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 9)}`,
    label: rng.pick(["Installing", "Resolving", "Fetching", "Linking", "Building", "Testing"]),
    layers: Array.from({ length: rng.int(3, 7) }, () => 0),
  });
  let bar = newBar();
  let elapsed = 0;
  return () => {
    elapsed += rng.int(30, 250);
    bar.done = Math.min(bar.total, bar.done + rng.int(0, Math.max(1, Math.floor(bar.total / 60))));
    const frac = bar.done / bar.total;
    const rate = (bar.done / Math.max(1, elapsed / 1000)).toFixed(2);
    let out: string;
    if (bar.kind === 0) {
      const width = 40;
      const full = Math.floor(frac * width);
      out = `\r${pad(Math.floor(frac * 100), 3)}%|${"█".repeat(full)}${" ".repeat(width - full)}| ${bar.done}/${bar.total} [${Math.floor(elapsed / 60000)}:${pad2(Math.floor(elapsed / 1000) % 60)}<00:${pad2(rng.int(0, 59))}, ${rate}it/s]`;
    } else if (bar.kind === 1) {
      const width = 40;
      const full = Math.floor(frac * width);
      const mb = (n: number) => (n / 100).toFixed(1);
      out = `\r   ${ESC}38;2;249;38;114m${"━".repeat(full)}${RESET}${ESC}38;5;237m${"━".repeat(width - full)}${RESET} ${ESC}32m${mb(bar.done)}/${mb(bar.total)} MB${RESET} ${ESC}31m${(rng.next() * 20).toFixed(1)} MB/s${RESET} eta ${ESC}36m0:00:${pad2(rng.int(0, 59))}${RESET}`;
    } else if (bar.kind === 2) {
      out = `\r${ESC}K${rng.pick(["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"])} ${bar.label} ${bar.name} (${bar.done}/${bar.total}) ${Math.floor(frac * 100)}%`;
    } else {
      // docker pull: one line per layer, cursor moved up to redraw them all.
      const n = bar.layers.length;
      out = `${ESC}${n}A`;
      for (let i = 0; i < n; i++) {
        bar.layers[i] = Math.min(100, (bar.layers[i] ?? 0) + rng.int(0, 9));
        const p = bar.layers[i]!;
        const w = 50;
        const full = Math.floor((p / 100) * w);
        const status = p >= 100 ? "Pull complete" : `Downloading [${"=".repeat(Math.max(0, full - 1))}>${" ".repeat(w - full)}]  ${(p * 0.37).toFixed(2)}MB/37MB`;
        out += `${ESC}2K\r${rng.hex(12)}: ${status}${CRLF}`;
      }
      if (bar.layers.every((p) => p >= 100)) bar.done = bar.total;
    }
    if (bar.done >= bar.total) {
      out += `${CRLF}${ESC}32m✔${RESET} ${bar.name} done in ${(elapsed / 1000).toFixed(1)}s${CRLF}`;
      bar = newBar();
      elapsed = 0;
      if (bar.kind === 3) out += CRLF.repeat(bar.layers.length);
    }
    return out;
  };
}

function tuiSource(rng: Rng): Source {
  // A top/htop-like dashboard: meters, a box-drawn panel, a process table. Mostly partial
  // repaints (move the cursor to a changed row, rewrite it), sometimes a full repaint.
  const cols = CORPUS.screenCols;
  const rows = CORPUS.screenRows;
  const clock = new Clock(rng);
  const procs = Array.from({ length: 60 }, () => ({
    pid: rng.int(1, 99_999),
    user: rng.pickSkewed(USERS),
    cpu: rng.next() * 30,
    mem: rng.next() * 8,
    time: rng.int(0, 90_000),
    cmd: `${rng.pick(["node", "postgres:", "python3", "bash", "cargo", "java", "nginx:", "redis-server", "go", "claude"])} ${identifier(rng)} --${word(rng)}=${rng.int(1, 64)}`,
  }));
  const meter = (label: string, value: number, width: number) => {
    const bars = Math.round((value / 100) * width);
    const green = Math.min(bars, Math.floor(width * 0.6));
    const red = bars - green;
    return `${ESC}1m${label}${RESET}[${ESC}32m${"|".repeat(green)}${ESC}31m${"|".repeat(red)}${RESET}${" ".repeat(width - bars)}${ESC}2m${pad(value.toFixed(1), 5)}%${RESET}]`;
  };
  const header = (row: number, label: string, value: number) => `${ESC}${row};1H${meter(label, value, 40)}${ESC}K`;
  const procRow = (i: number) => {
    const p = procs[i]!;
    const t = `${Math.floor(p.time / 6000)}:${pad2(Math.floor(p.time / 100) % 60)}.${pad2(p.time % 100)}`;
    const line = `${pad(p.pid, 7)} ${padEnd(p.user, 9)} 20   0 ${pad(rng.int(10, 9999), 5)}M ${pad(rng.int(1, 999), 4)}M ${p.cpu > 5 ? "R" : "S"} ${pad(p.cpu.toFixed(1), 5)} ${pad(p.mem.toFixed(1), 4)} ${pad(t, 9)} ${p.cmd}`;
    return `${ESC}${i + 9};1H${i === 0 ? `${ESC}30;46m` : ""}${padEnd(line, cols)}${RESET}`;
  };
  const boxTop = `${ESC}7;1H${ESC}36m╭${"─".repeat(cols - 2)}╮${RESET}`;
  return () => {
    clock.tick(rng, 2000);
    for (const p of procs) {
      p.cpu = Math.max(0, Math.min(100, p.cpu + (rng.next() - 0.5) * 6));
      p.time += rng.int(0, 200);
    }
    procs.sort((a, b) => b.cpu - a.cpu);
    const tableRows = Math.min(procs.length, rows - 9);
    let out = "";
    const full = rng.chance(CORPUS.tuiFullRepaintChance);
    if (full) {
      out += `${ESC}?25l${ESC}H${ESC}2J`;
    } else {
      out += `${ESC}?25l`;
    }
    for (let c = 0; c < 4; c++) out += header(c + 1, `${pad(c, 2)}`, rng.next() * 100);
    out += `${ESC}5;1H${meter("Mem", 40 + rng.next() * 30, 40)}  ${ESC}1mTasks:${RESET} ${rng.int(180, 260)}, ${rng.int(400, 900)} thr; ${rng.int(1, 6)} running`;
    out += `${ESC}6;1H${meter("Swp", rng.next() * 5, 40)}  ${ESC}1mLoad average:${RESET} ${(rng.next() * 4).toFixed(2)} ${(rng.next() * 4).toFixed(2)} ${(rng.next() * 4).toFixed(2)}  ${ESC}1mUptime:${RESET} ${clock.hms()}${ESC}K`;
    if (full) {
      out += boxTop;
      out += `${ESC}8;1H${ESC}30;42m${padEnd("    PID USER      PRI  NI  VIRT   RES S  CPU%  MEM%     TIME+  Command", cols)}${RESET}`;
    }
    // Rows whose content changed: all on a full repaint, a handful otherwise.
    const changed = full ? tableRows : rng.int(2, Math.min(12, tableRows));
    for (let k = 0; k < changed; k++) out += procRow(full ? k : rng.int(0, tableRows - 1));
    out += `${ESC}${rows};1H${ESC}30;46mF1${RESET}Help  ${ESC}30;46mF2${RESET}Setup ${ESC}30;46mF3${RESET}Search${ESC}30;46mF4${RESET}Filter${ESC}30;46mF5${RESET}Tree  ${ESC}30;46mF6${RESET}SortBy${ESC}30;46mF9${RESET}Kill  ${ESC}30;46mF10${RESET}Quit${ESC}K`;
    out += `${ESC}?25h`;
    return out;
  };
}

/** An ink-style inline UI (chat/agent CLIs): erase the last N lines and redraw a box with text. */
function inlineUiSource(rng: Rng): Source {
  let drawn = 0;
  const cols = CORPUS.screenCols;
  return () => {
    let out = "";
    for (let i = 0; i < drawn; i++) out += `${ESC}2K${ESC}1A`;
    if (drawn > 0) out += `${ESC}2K${ESC}G`;
    if (rng.chance(0.15)) {
      // The turn finished: print its text permanently above, then start a new live area.
      const lines = rng.int(2, 10);
      for (let i = 0; i < lines; i++) {
        let text = "";
        while (text.length < cols - 10) text += `${word(rng)} `;
        out += `${ESC}38;5;${rng.pick([250, 252, 255])}m  ${text.trimEnd()}${RESET}${CRLF}`;
      }
      drawn = 0;
      return out;
    }
    const spinner = rng.pick(["·", "✢", "✳", "✶", "✻", "✽"]);
    const body = `${spinner} ${word(rng)[0]!.toUpperCase()}${word(rng).slice(1)}ing… (${rng.int(1, 300)}s · ↓ ${rng.int(1, 40)}.${rng.int(0, 9)}k tokens · esc to interrupt)`;
    const inner = cols - 4;
    out += `${ESC}38;5;174m${body}${RESET}${CRLF}`;
    out += `${ESC}2m╭${"─".repeat(inner + 2)}╮${RESET}${CRLF}`;
    out += `${ESC}2m│${RESET} > ${padEnd(rng.chance(0.5) ? "" : `${word(rng)} ${word(rng)} ${identifier(rng)}`, inner - 2)} ${ESC}2m│${RESET}${CRLF}`;
    out += `${ESC}2m╰${"─".repeat(inner + 2)}╯${RESET}${CRLF}`;
    out += `  ${ESC}2m? for shortcuts${RESET}`;
    drawn = 4;
    return out;
  };
}

/** Full-screen programs: a dashboard for a while, an inline agent UI for a while. */
function fullScreenSource(rng: Rng): Source {
  const dashboard = tuiSource(rng);
  const inline = inlineUiSource(rng);
  let useDashboard = rng.chance(0.5);
  return () => {
    if (rng.chance(0.01)) useDashboard = !useDashboard;
    return useDashboard ? dashboard() : inline();
  };
}

// ---------------------------------------------------------------------------------------------
// Assembly.

/** Pulls pieces from `source` until `bytes` are gathered; cuts the last piece to fit exactly. */
function fill(bytes: number, source: Source): Buffer {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < bytes) {
    const piece = Buffer.from(source(), "utf8");
    const take = Math.min(piece.length, bytes - have);
    parts.push(take === piece.length ? piece : piece.subarray(0, take));
    have += take;
  }
  return Buffer.concat(parts, bytes);
}

function checkArgs(bytes: number, seed: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`bytes must be a non-negative integer, got ${bytes}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
}

function generatorOf(makeSource: (rng: Rng) => Source, salt: number): CorpusGenerator {
  return (bytes, seed) => {
    checkArgs(bytes, seed);
    return fill(bytes, makeSource(new Rng(subSeed(seed, salt))));
  };
}

/** Coloured application logs (pretty and JSON), with occasional stack traces. */
export const logsCorpus = generatorOf(logsSource, 1);
/** gcc/tsc diagnostics with source lines and carets, build-driver progress, test results. */
export const compilerCorpus = generatorOf(compilerSource, 2);
/** `ls -l --color` listings after a shell prompt. */
export const listingCorpus = generatorOf(listingSource, 3);
/** Progress bars redrawn with `\r`, spinners, docker-pull style cursor-up redraws. */
export const progressCorpus = generatorOf(progressSource, 4);
/** Full-screen and inline TUIs: cursor addressing, erases, box drawing, UTF-8, partial repaints. */
export const tuiCorpus = generatorOf(fullScreenSource, 5);

/** Random bytes as base64 lines: what `cat` of a binary blob or a key dump looks like. */
export const incompressibleCorpus: CorpusGenerator = (bytes, seed) => {
  checkArgs(bytes, seed);
  const rng = new Rng(subSeed(seed, 6));
  const raw = Buffer.allocUnsafe(Math.ceil((CORPUS.base64LineChars * 3) / 4));
  return fill(bytes, () => {
    for (let i = 0; i < raw.length; i += 4) raw.writeUInt32LE(Math.floor(rng.next() * 4294967296) >>> 0, Math.min(i, raw.length - 4));
    return raw.toString("base64").slice(0, CORPUS.base64LineChars) + CRLF;
  });
};

/** Realistic mix: episodes of each kind in turn, as a long-lived session shows them. */
export const realisticCorpus: CorpusGenerator = (bytes, seed) => {
  checkArgs(bytes, seed);
  const rng = new Rng(subSeed(seed, 7));
  const kinds = Object.keys(CORPUS.mixWeights) as (keyof typeof CORPUS.mixWeights)[];
  const makers = { logs: logsSource, compiler: compilerSource, listing: listingSource, progress: progressSource, tui: fullScreenSource };
  // One long-lived source per kind: a build resumes where it left off after the editor closes.
  const sources = Object.fromEntries(kinds.map((k, i) => [k, makers[k](new Rng(subSeed(seed, 100 + i)))])) as Record<(typeof kinds)[number], Source>;
  const totalWeight = kinds.reduce((s, k) => s + CORPUS.mixWeights[k], 0);
  const pickKind = () => {
    let r = rng.next() * totalWeight;
    for (const k of kinds) {
      r -= CORPUS.mixWeights[k];
      if (r < 0) return k;
    }
    return kinds[0]!;
  };
  let kind = pickKind();
  let left = rng.int(CORPUS.episodeMinBytes, CORPUS.episodeMaxBytes);
  return fill(bytes, () => {
    if (left <= 0) {
      kind = pickKind();
      left = rng.int(CORPUS.episodeMinBytes, CORPUS.episodeMaxBytes);
    }
    const piece = sources[kind]();
    left -= piece.length;
    return piece;
  });
};

/** Every corpus by name: the per-kind generators plus the realistic mix. */
export const CORPORA: Readonly<Record<CorpusKind | "realistic", CorpusGenerator>> = {
  realistic: realisticCorpus,
  logs: logsCorpus,
  compiler: compilerCorpus,
  listing: listingCorpus,
  progress: progressCorpus,
  tui: tuiCorpus,
  incompressible: incompressibleCorpus,
};
