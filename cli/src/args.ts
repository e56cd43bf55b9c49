/**
 * The command line grammar: which commands exist, their flags, and the help text. Parsing
 * turns argv into one typed Command or throws a UsageError saying what is wrong; nothing here
 * talks to a server.
 */
import { constants as osConstants } from "node:os";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { REQUEST_LIMITS, isUuid } from "@ptykeep/proto/limits";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "./detach-keys.js";
import { UsageError } from "./errors.js";
import { interpretEscapes } from "./escapes.js";

export type StateFilter = "starting" | "running" | "exited" | "lost" | "killed";

export type Command =
  | { name: "help"; topic?: string }
  | {
      name: "run";
      program: string;
      args: string[];
      labels: Record<string, string>;
      env: Record<string, string>;
      cwd?: string;
      detach: boolean;
      detachKeys: Buffer;
    }
  | { name: "attach"; id: string; fromSeq: number; tailBytes?: number; history: boolean; readOnly: boolean; detachKeys: Buffer }
  | { name: "ls"; states: StateFilter[]; labels: Record<string, string>; json: boolean }
  | { name: "logs"; id: string; fromSeq: number; follow: boolean; raw: boolean; screen: boolean }
  | { name: "export"; id: string; format: "asciicast"; title?: string }
  | { name: "kill"; id: string; signal?: string }
  | { name: "write"; id: string; data: Buffer | "stdin" }
  | { name: "resize"; id: string; rows: number; cols: number };

/** Where and how to connect: addresses, and the TLS and token flags (see connection.ts). */
export interface ConnectionFlags {
  pty?: string;
  store?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  tokenFile?: string;
}

export interface ParsedCli {
  addresses: ConnectionFlags;
  command: Command;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export const DEFAULT_ADDRESSES = Object.freeze({
  /** The ports the services listen on by default (see their config). */
  pty: "127.0.0.1:50051",
  store: "127.0.0.1:50052",
});

const GLOBAL_OPTIONS = {
  pty: { type: "string" },
  store: { type: "string" },
  tls: { type: "boolean" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-server-name": { type: "string" },
  "token-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} satisfies Options;

const COMMAND_OPTIONS = {
  run: {
    label: { type: "string", multiple: true },
    env: { type: "string", multiple: true, short: "e" },
    cwd: { type: "string" },
    detach: { type: "boolean", short: "d" },
    "detach-keys": { type: "string" },
  },
  attach: {
    from: { type: "string" },
    tail: { type: "string" },
    history: { type: "boolean" },
    "read-only": { type: "boolean" },
    "detach-keys": { type: "string" },
  },
  ls: {
    state: { type: "string", multiple: true },
    label: { type: "string", multiple: true },
    json: { type: "boolean" },
  },
  logs: {
    from: { type: "string" },
    follow: { type: "boolean", short: "f" },
    raw: { type: "boolean" },
    screen: { type: "boolean" },
  },
  export: {
    format: { type: "string" },
    title: { type: "string" },
  },
  kill: { signal: { type: "string", short: "s" } },
  write: {},
  resize: {},
} satisfies Record<string, Options>;

type CommandName = keyof typeof COMMAND_OPTIONS;

export const USAGE = `Usage: ptykeep [--pty ADDR] [--store ADDR] COMMAND [ARGS...]

Persistent terminal sessions: programs keep running when you detach, and every byte they print
is kept, so you can come back later and see it all.

Commands:
  run [--label K=V]... [--env K=V]... [--cwd DIR] [-d] -- PROGRAM [ARGS...]
        Start PROGRAM in a new session and attach to it (-d: print its id and return).
        It gets the local terminal's size and TERM; --cwd is resolved here, default is the
        pty-service's directory.
  attach ID [--history | --from SEQ | --tail BYTES] [--read-only]
        Show the session's screen, then follow it live and type into it. The screen comes
        from the store's latest snapshot and the output after it, not the whole history;
        --history replays every byte instead (as do --from and --tail, from there).
  ls [--state STATE]... [--label K=V]... [--json]
        List sessions, newest first. STATE: running (includes starting), exited, killed,
        lost, or all (the default); repeat or comma-separate to combine.
        --json prints one JSON object per line (JSON Lines), one per session.
  logs ID [--from SEQ] [-f|--follow] [--raw] | logs --screen ID
        Write the session's output to stdout, byte for byte. Nothing is stripped. When stdout
        is a terminal, terminal modes the output may have left on (mouse reporting, hidden
        cursor, alternate screen...) are switched back off at the end; --raw never adds
        anything. --follow keeps writing live output until the session ends.
        --screen prints the session's screen as text instead (for an ended session, its
        final state): the latest stored screen and the output after it, as a terminal shows it.
  export ID [--format asciicast] [--title TITLE]
        Write the session as an asciicast v2 recording to stdout (play it with asciinema).
        Output that is not valid UTF-8 is shown as U+FFFD; characters split across output
        chunks are kept whole.
  kill ID [-s|--signal NAME]
        End the session (SIGHUP, then SIGTERM, then SIGKILL), or with --signal just send NAME
        (e.g. INT, TERM, SIGWINCH) to its process group.
  write ID TEXT|-
        Type TEXT into the session. Escapes: \\r (Enter) \\n \\t \\e (Esc) \\xHH (one byte,
        e.g. \\x03 is Ctrl-C) \\uHHHH \\\\. With "-", the bytes of stdin are sent unchanged.
  resize ID ROWS COLS
        Change the session's terminal size.
  help [COMMAND]

Interactive attach (run, attach):
  The local terminal is put in raw mode and every key goes to the program. To detach and leave
  the program running, press the detach keys: ctrl-] then d (change with --detach-keys or
  PTYKEEP_DETACH_KEYS, e.g. "ctrl-b,d"; keys separated by commas, each a character or ctrl-X).
  ctrl-] followed by any other key sends both keys to the program. The local terminal size is
  sent on attach and whenever it changes (not with --read-only, which sends nothing at all).
  When stdin is not a terminal, attach only watches (use \`ptykeep write\` to send input).
  When the session ends, ptykeep exits with the program's exit code (128+N for signal N).

Addresses:
  --pty ADDR    pty-service (run, attach, kill, write, resize, logs --follow); env PTY_ADDR,
                default ${DEFAULT_ADDRESSES.pty}
  --store ADDR  store-service (ls, logs, export; attach when the session has ended); env
                STORE_ADDR, default ${DEFAULT_ADDRESSES.store}. A comma list of replicas or a
                dns:/// name is balanced over.

Security (both services; flags win over the environment):
  --tls                    TLS with the system's CA roots; env PTYKEEP_TLS=true
  --tls-ca FILE            TLS, trusting the CA in FILE (PEM); env PTYKEEP_TLS_CA
  --tls-cert FILE, --tls-key FILE
                           a client certificate for services that require one (mutual TLS);
                           env PTYKEEP_TLS_CERT, PTYKEEP_TLS_KEY
  --tls-server-name NAME   the name the services' certificates carry, when the address is not
                           it; env PTYKEEP_TLS_SERVER_NAME
  --token-file FILE        bearer token sent with every call, read from FILE; env
                           PTYKEEP_TOKEN_FILE, or PTYKEEP_TOKEN (the token itself)

Exit status: 0 on success, 1 when something failed (one line on stderr says what), 2 for a
usage mistake.
`;

const COMMANDS = Object.keys(COMMAND_OPTIONS) as CommandName[];

function commandName(name: string): CommandName {
  if (!(COMMANDS as string[]).includes(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands are ${COMMANDS.join(", ")}`);
  return name as CommandName;
}

/**
 * What `help` prints: the whole usage, or for one command its entry in the command list (its
 * synopsis and the lines under it).
 */
export function usageOf(topic: string | undefined): string {
  if (topic === undefined) return USAGE;
  const lines = USAGE.split("\n");
  const at = lines.findIndex((l) => l === `  ${topic}` || l.startsWith(`  ${topic} `));
  if (at < 0) return USAGE;
  let end = at + 1;
  while (end < lines.length && lines[end]!.startsWith("        ")) end++;
  const [synopsis, ...details] = lines.slice(at, end);
  // Sections about a few commands name them in their heading: "Interactive attach (run, attach):".
  const sections = USAGE.split("\n\n").filter((block) => new RegExp(`^[^\n]*\\([^)]*\\b${topic}\\b[^)]*\\):`).test(block));
  return [`Usage: ptykeep [--pty ADDR] [--store ADDR] ${synopsis!.trim()}`, ...details, ...sections.flatMap((b) => ["", b]), "", "Addresses, security and exit status: ptykeep --help", ""].join("\n");
}

export function parseCli(argv: readonly string[], env: Record<string, string | undefined>): ParsedCli {
  const commandAt = firstPositional(argv, 0, GLOBAL_OPTIONS);
  const before = argv.slice(0, commandAt.index);
  if (commandAt.index >= argv.length) {
    const globals = parseFlags(before, GLOBAL_OPTIONS, "ptykeep");
    if (globals.values.help) return { addresses: {}, command: { name: "help" } };
    throw new UsageError("no command given; try `ptykeep --help`");
  }
  const name = argv[commandAt.index]!;
  const rest = argv.slice(commandAt.index + 1);
  if (name === "help") return { addresses: {}, command: { name: "help", topic: rest[0] === undefined ? undefined : commandName(rest[0]) } };
  commandName(name);
  const command = name as CommandName;
  const options = { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command] } as Options;

  let flagArgs = [...before, ...rest];
  let programArgv: string[] | undefined;
  if (command === "run") {
    // Everything from PROGRAM on belongs to the program, flags included (`run bash -l`).
    const programAt = firstPositional(rest, 0, options);
    flagArgs = [...before, ...rest.slice(0, programAt.index)];
    programArgv = rest.slice(programAt.index + (programAt.afterDashDash ? 1 : 0));
  }
  const parsed = parseFlags(flagArgs, options, command);
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (v.help) return { addresses: {}, command: { name: "help", topic: command } };
  const addresses: ConnectionFlags = {
    pty: v.pty as string | undefined,
    store: v.store as string | undefined,
    tls: v.tls === true ? true : undefined,
    tlsCa: v["tls-ca"] as string | undefined,
    tlsCert: v["tls-cert"] as string | undefined,
    tlsKey: v["tls-key"] as string | undefined,
    tlsServerName: v["tls-server-name"] as string | undefined,
    tokenFile: v["token-file"] as string | undefined,
  };
  const positionals = parsed.positionals;
  const str = (key: string) => v[key] as string | undefined;
  const list = (key: string) => (v[key] as string[] | undefined) ?? [];
  const bool = (key: string) => v[key] === true;

  switch (command) {
    case "run": {
      const [program, ...args] = programArgv ?? [];
      if (!program) throw new UsageError("run needs a program: ptykeep run [FLAGS] -- PROGRAM [ARGS...]");
      return {
        addresses,
        command: {
          name: "run",
          program,
          args,
          labels: parsePairs(list("label"), "--label"),
          env: parsePairs(list("env"), "--env"),
          cwd: str("cwd"),
          detach: bool("detach"),
          detachKeys: detachKeys(str("detach-keys"), env),
        },
      };
    }
    case "attach": {
      const [id] = expectPositionals(positionals, ["ID"], command);
      if ([str("from"), str("tail"), bool("history") || undefined].filter((v) => v !== undefined).length > 1) throw new UsageError("attach takes one of --history, --from and --tail");
      return {
        addresses,
        command: {
          name: "attach",
          id: sessionId(id),
          fromSeq: str("from") === undefined ? 0 : positiveInt(str("from")!, "--from"),
          tailBytes: str("tail") === undefined ? undefined : byteCount(str("tail")!, "--tail"),
          history: bool("history"),
          readOnly: bool("read-only"),
          detachKeys: detachKeys(str("detach-keys"), env),
        },
      };
    }
    case "ls": {
      expectPositionals(positionals, [], command);
      return { addresses, command: { name: "ls", states: parseStates(list("state")), labels: parsePairs(list("label"), "--label"), json: bool("json") } };
    }
    case "logs": {
      const [id] = expectPositionals(positionals, ["ID"], command);
      if (bool("screen") && (str("from") !== undefined || bool("follow") || bool("raw"))) throw new UsageError("logs --screen takes no --from, --follow or --raw");
      return {
        addresses,
        command: { name: "logs", id: sessionId(id), fromSeq: str("from") === undefined ? 0 : positiveInt(str("from")!, "--from"), follow: bool("follow"), raw: bool("raw"), screen: bool("screen") },
      };
    }
    case "export": {
      const [id] = expectPositionals(positionals, ["ID"], command);
      const format = str("format") ?? "asciicast";
      if (format !== "asciicast") throw new UsageError(`unknown export format ${JSON.stringify(format)}; the only format is asciicast`);
      return { addresses, command: { name: "export", id: sessionId(id), format, title: str("title") } };
    }
    case "kill": {
      const [id] = expectPositionals(positionals, ["ID"], command);
      const signal = str("signal");
      return { addresses, command: { name: "kill", id: sessionId(id), signal: signal === undefined ? undefined : signalName(signal) } };
    }
    case "write": {
      const [id, text] = expectPositionals(positionals, ["ID", "TEXT"], command);
      return { addresses, command: { name: "write", id: sessionId(id), data: text === "-" ? "stdin" : interpretEscapes(text) } };
    }
    case "resize": {
      const [id, rows, cols] = expectPositionals(positionals, ["ID", "ROWS", "COLS"], command);
      return { addresses, command: { name: "resize", id: sessionId(id), rows: terminalDim(rows, "ROWS"), cols: terminalDim(cols, "COLS") } };
    }
  }
}

function parseFlags(args: string[], options: Options, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs messages are clear ("Unknown option '--x'"); add where to look.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    const help = command === "ptykeep" ? "ptykeep --help" : `ptykeep ${command} --help`;
    throw new UsageError(`${command}: ${message}; see \`${help}\``);
  }
}

/**
 * Index of the first positional argument from `start`, skipping flags and the values of flags
 * that take one. A "--" ends the flags: the next argument is the positional.
 */
function firstPositional(argv: readonly string[], start: number, options: Options): { index: number; afterDashDash: boolean } {
  for (let i = start; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return { index: i, afterDashDash: true };
    if (arg.startsWith("--") && arg.length > 2) {
      const name = arg.slice(2);
      if (!name.includes("=") && options[name]?.type === "string") i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const short = Object.values(options).find((o) => o.short === arg[1]);
      if (arg.length === 2 && short?.type === "string") i++;
      continue;
    }
    return { index: i, afterDashDash: false };
  }
  return { index: argv.length, afterDashDash: false };
}

function expectPositionals<const N extends readonly string[]>(positionals: string[], names: N, command: string): { [K in keyof N]: string } {
  if (positionals.length < names.length) throw new UsageError(`${command} needs ${names.slice(positionals.length).join(" ")}; usage: ptykeep ${command} ${names.join(" ")}`);
  if (positionals.length > names.length) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[names.length])}`);
  return positionals as unknown as { [K in keyof N]: string };
}

function sessionId(value: string | undefined): string {
  if (!value || !isUuid(value)) throw new UsageError(`${JSON.stringify(value ?? "")} is not a session id (a UUID such as 0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e; see \`ptykeep ls\`)`);
  return value.toLowerCase();
}

function positiveInt(value: string, flag: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of 1 or more, got ${JSON.stringify(value)}`);
  return n;
}

const BYTE_SUFFIXES: Record<string, number> = { "": 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

function byteCount(value: string, flag: string): number {
  const m = /^(\d+)([a-z]*)$/i.exec(value.trim());
  const unit = m ? BYTE_SUFFIXES[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${flag} must be a byte count such as 4096, 64k or 2m, got ${JSON.stringify(value)}`);
  return Number(m[1]) * unit;
}

function terminalDim(value: string, name: string): number {
  const { MIN_TERMINAL_DIM: min, MAX_TERMINAL_DIM: max } = REQUEST_LIMITS;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function parsePairs(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const STATE_WORDS: Record<string, StateFilter[]> = {
  running: ["starting", "running"],
  starting: ["starting"],
  exited: ["exited"],
  killed: ["killed"],
  lost: ["lost"],
  all: [],
};

/** An empty list means every state. */
function parseStates(values: string[]): StateFilter[] {
  const states = new Set<StateFilter>();
  for (const word of values.flatMap((v) => v.split(",")).map((w) => w.trim().toLowerCase())) {
    const mapped = STATE_WORDS[word];
    if (!mapped) throw new UsageError(`--state ${JSON.stringify(word)} is not one of running, exited, killed, lost, all`);
    if (word === "all") return [];
    mapped.forEach((s) => states.add(s));
  }
  return [...states];
}

function detachKeys(flag: string | undefined, env: Record<string, string | undefined>): Buffer {
  return parseDetachKeys(flag ?? (env.PTYKEEP_DETACH_KEYS || DEFAULT_DETACH_KEYS));
}

/** "int", "SIGINT", "2" → "SIGINT"; the names this machine knows. */
function signalName(value: string): string {
  const signals = osConstants.signals as Record<string, number>;
  if (/^\d+$/.test(value)) {
    const name = Object.keys(signals).find((k) => signals[k] === Number(value));
    if (name) return name;
  } else {
    const upper = value.toUpperCase();
    const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
    if (name in signals) return name;
  }
  throw new UsageError(`--signal ${JSON.stringify(value)} is not a signal name (e.g. INT, TERM, HUP, KILL, WINCH)`);
}
