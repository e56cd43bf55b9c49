/**
 * Spawn: validate the request, check the program and directory, register the session with the
 * store, start the program in its actor.
 *
 * Registration comes first so that a session id the store already holds for another command is
 * refused (ALREADY_EXISTS) before anything runs. If the store does not answer within
 * SPAWN_REGISTER_WAIT_MS the program starts anyway and the registration is retried in the
 * background, in order with its output (which is held, then paused, meanwhile): a store outage
 * must not stop people from opening terminals.
 */
import { readFileSync, readdirSync } from "node:fs";
import { Code, ServiceError, alreadyExists, isDependencyDown, type Logger, type PtyApi, uuidv7, validate } from "@ptykeep/proto";
import { TUNING, type PtyConfig } from "./config.js";
import type { FlowBudget } from "./flow-control.js";
import type { PtyOutputCounters } from "./metrics.js";
import { checkCwd, resolveProgram } from "./program.js";
import { SessionActor, type SessionSpec } from "./session-actor.js";
import type { SessionRegistry } from "./session-registry.js";
import type { SessionChannel, StoreLink } from "./store-link.js";
import { checkCallerEnv, checkProgram, type SpawnPolicy } from "./spawn-policy.js";

export interface SpawnDeps {
  config: Readonly<PtyConfig>;
  registry: SessionRegistry;
  link: StoreLink;
  flow: FlowBudget;
  log: Logger;
  /** Address recorded as the sessions' pty_node. */
  node: string;
  /** False once shutdown began: no new sessions. */
  accepting(): boolean;
  /** Where sessions count their output bytes (the service's metrics). */
  counters?: PtyOutputCounters;
}

/** Variables of ptykeep itself, which programs do not inherit (they may hold credentials). */
const OWN_ENV = /^(PTY_|STORE_|DATABASE_URL$|PGPASSWORD$)/;
/** Variables that describe the service's own terminal, wrong inside the PTY. */
const TERMINAL_ENV = new Set(["TMUX", "TMUX_PANE", "STY", "WINDOW", "WINDOWID", "TERMCAP", "COLUMNS", "LINES", "TERM", "COLORTERM"]);

function baseEnv(policy: SpawnPolicy): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || OWN_ENV.test(name) || TERMINAL_ENV.has(name) || policy.isDenied(name)) continue;
    env[name] = value;
  }
  return env;
}

export async function spawnSession(req: PtyApi.SpawnRequest__Output, deps: SpawnDeps): Promise<PtyApi.SpawnResponse> {
  const L = validate.REQUEST_LIMITS;
  const requestedId = validate.optionalSessionId(req.sessionId);
  const command = validate.text(req.command, "command", { max: L.MAX_COMMAND_BYTES, required: true });
  const args = validate.args(req.args);
  const callerEnv = validate.env(req.env);
  checkCallerEnv(deps.config.spawnPolicy, callerEnv);
  const labels = validate.labels(req.labels);
  const cwd = validate.text(req.cwd, "cwd", { max: L.MAX_CWD_BYTES }) || deps.config.defaultCwd;
  const rows = req.rows === 0 ? TUNING.DEFAULT_ROWS : validate.terminalDim(req.rows, "rows");
  const cols = req.cols === 0 ? TUNING.DEFAULT_COLS : validate.terminalDim(req.cols, "cols");

  if (requestedId) {
    const existing = deps.registry.get(requestedId);
    if (existing) return sameSession(existing, { command, args, cwd });
  }

  const env: Record<string, string> = { ...baseEnv(deps.config.spawnPolicy), TERM: TUNING.DEFAULT_TERM, ...callerEnv };
  await checkCwd(cwd);
  const file = await resolveProgram(command, { cwd, pathVar: env.PATH });
  checkProgram(deps.config.spawnPolicy, command, file);

  const id = requestedId ?? uuidv7();
  const spec: SessionSpec = { id, command, file, args, env, cwd, rows, cols, labels };
  const actor = new SessionActor({ spec, config: deps.config, flow: deps.flow, log: deps.log, onEnded: (a) => deps.registry.ended(a), counters: deps.counters });
  // Checked again after the awaits above: another Spawn may have taken the id or the last slot.
  const raced = deps.registry.get(id);
  if (raced) return sameSession(raced, { command, args, cwd });
  deps.registry.add(actor);
  let channel: SessionChannel | undefined;
  try {
    channel = await deps.link.open(
      actor,
      {
        sessionId: id,
        command,
        args,
        cwd,
        ptyNode: deps.node,
        rows,
        cols,
        labels,
        // Names only: values may be secrets. The caller's, plus TERM which we may have set.
        envNames: [...new Set(["TERM", ...Object.keys(callerEnv)])].sort(),
      },
      TUNING.SPAWN_REGISTER_WAIT_MS,
    );
    // Shutdown may have begun while the store was answering: it would not wait for this one.
    if (!deps.accepting()) throw new ServiceError(Code.UNAVAILABLE, "this pty-service is shutting down; spawn on another node");
    await actor.start(channel);
  } catch (err) {
    deps.registry.discard(actor);
    // Registered but never started: close the record so that it does not wait for the reaper.
    // A refusal is logged by the link; the caller is told why the spawn failed, below.
    channel?.markExited({ exitCode: undefined, signal: "", finalSeq: 0, ts: Date.now(), reason: "END_REASON_KILLED" }).catch(() => {});
    if (err instanceof ServiceError) {
      if (err.code === Code.ALREADY_EXISTS) throw alreadyExists(`session ${id} is already recorded in the store with another command or node: ${err.message}`);
      throw err;
    }
    if (isDependencyDown(err)) throw err;
    const why = [(err as Error).message, ...exhaustedResources()].join("; ");
    deps.log.error({ err, sessionId: id, command, why }, "spawn failed");
    throw new ServiceError(Code.RESOURCE_EXHAUSTED, `could not start ${command} in a new terminal: ${why}`);
  }
  // The program starts on the fork thread; shutdown may have begun meanwhile and passed this
  // session over as still starting: end it here, as shutdown ends the others.
  if (!deps.accepting()) {
    await actor.kill();
    throw new ServiceError(Code.UNAVAILABLE, "this pty-service is shutting down; spawn on another node");
  }
  return { sessionId: id, pid: actor.pid };
}

/** Within this many of a limit, it is named as the likely reason a spawn failed. */
const NEAR_LIMIT = 8;

/**
 * node-pty reports a failed forkpty as "forkpty(3) failed." without the errno. The two limits a
 * busy node meets are this process's open files and the host's PTYs; say which one is (nearly)
 * reached, so that the caller and the operator know what to do.
 */
function exhaustedResources(): string[] {
  const found: string[] = [];
  try {
    const open = readdirSync("/proc/self/fd").length;
    const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1]);
    if (open >= limit - NEAR_LIMIT) found.push(`the pty-service has ${open} of ${limit} file descriptors open (RLIMIT_NOFILE): end sessions or raise the limit`);
  } catch {
    // No /proc: nothing more to say.
  }
  try {
    const inUse = Number(readFileSync("/proc/sys/kernel/pty/nr", "utf8"));
    const max = Number(readFileSync("/proc/sys/kernel/pty/max", "utf8"));
    if (inUse >= max - NEAR_LIMIT) found.push(`the host has ${inUse} of ${max} PTYs in use (kernel.pty.max)`);
  } catch {
    // Same.
  }
  return found;
}

function sameSession(existing: SessionActor, wanted: { command: string; args: string[]; cwd: string }): PtyApi.SpawnResponse {
  const spec = existing.spec;
  const same = spec.command === wanted.command && spec.cwd === wanted.cwd && spec.args.length === wanted.args.length && spec.args.every((a, i) => a === wanted.args[i]);
  if (!same) throw alreadyExists(`session ${existing.id} already exists with another command (${spec.command} ${spec.args.join(" ")}); choose another session_id`);
  if (existing.status === "starting") throw new ServiceError(Code.ABORTED, `session ${existing.id} is being started by another Spawn; retry`);
  return { sessionId: existing.id, pid: existing.pid };
}
