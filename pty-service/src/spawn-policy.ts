/**
 * What Spawn may run and with which environment: the pty-service is a remote shell, and these
 * are the two knobs that narrow it.
 *
 * - PTY_ALLOWED_COMMANDS (optional): programs Spawn may run, as absolute paths or names looked
 *   up in the service's own PATH at start-up. A program is allowed when the file Spawn would
 *   execute (after the caller's PATH lookup, symlinks resolved) is one of them; anything else is
 *   PERMISSION_DENIED. Matching the resolved file, not the name, means a caller cannot pass the
 *   list with its own PATH or a look-alike name.
 * - PTY_ENV_DENY: variable names (`NAME`, or `PREFIX*`) that programs never inherit from the
 *   service and callers may not set (PERMISSION_DENIED naming the variable, never its value).
 *   The default covers ptykeep's own configuration (it may hold tokens and key paths) and the
 *   loader variables that would let a caller run code inside an allowed program.
 */
import { accessSync, constants, realpathSync } from "node:fs";
import path from "node:path";
import { ConfigError, ServiceError, Code } from "@ptykeep/proto";

type Env = Record<string, string | undefined>;

/**
 * Default deny-list, each group with its reason:
 * - PTY_*, STORE_*, PTYKEEP_*, HEALTHCHECK_*, DATABASE_URL, PGPASSWORD: the services' own
 *   settings, which name secrets (tokens, keys, database passwords);
 * - LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT: make the dynamic loader run a caller's code inside
 *   whatever program is started, which would defeat PTY_ALLOWED_COMMANDS.
 */
export const DEFAULT_ENV_DENY = "PTY_*,STORE_*,PTYKEEP_*,HEALTHCHECK_*,DATABASE_URL,PGPASSWORD,LD_PRELOAD,LD_LIBRARY_PATH,LD_AUDIT";

export interface SpawnPolicy {
  /** Real paths of the programs Spawn may run; undefined = any program. */
  allowedPrograms: ReadonlySet<string> | undefined;
  /** The deny-list as written (for the configuration reference). */
  envDeny: string;
  isDenied(name: string): boolean;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function resolveAllowed(entry: string, pathVar: string): string | undefined {
  const candidates = path.isAbsolute(entry) ? [entry] : entry.includes("/") ? [] : pathVar.split(":").filter(Boolean).map((dir) => path.join(dir, entry));
  for (const c of candidates) {
    if (!isExecutable(c)) continue;
    try {
      return realpathSync(c);
    } catch {
      // Vanished between the two calls: try the next directory.
    }
  }
  return undefined;
}

export function loadSpawnPolicy(env: Env): SpawnPolicy {
  const rawAllowed = env.PTY_ALLOWED_COMMANDS?.trim() ?? "";
  let allowedPrograms: Set<string> | undefined;
  if (rawAllowed !== "") {
    allowedPrograms = new Set();
    for (const entry of rawAllowed.split(",").map((e) => e.trim()).filter(Boolean)) {
      const real = resolveAllowed(entry, env.PATH ?? process.env.PATH ?? "");
      if (!real) throw new ConfigError(`PTY_ALLOWED_COMMANDS: ${JSON.stringify(entry)} is not an executable absolute path or a program found in PATH`);
      allowedPrograms.add(real);
    }
  }
  const envDeny = env.PTY_ENV_DENY === undefined ? DEFAULT_ENV_DENY : env.PTY_ENV_DENY.trim();
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const item of envDeny.split(",").map((e) => e.trim()).filter(Boolean)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(item)) throw new ConfigError(`PTY_ENV_DENY: ${JSON.stringify(item)} is not a variable name or NAME_PREFIX*`);
    if (item.endsWith("*")) prefixes.push(item.slice(0, -1));
    else exact.add(item);
  }
  return Object.freeze({
    allowedPrograms,
    envDeny,
    isDenied: (name: string) => exact.has(name) || prefixes.some((p) => name.startsWith(p)),
  });
}

/** The service's environment without denied variables: what programs inherit. */
export function inheritedEnv(policy: SpawnPolicy, base: Env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined && !policy.isDenied(name)) env[name] = value;
  return env;
}

/** PERMISSION_DENIED when the caller sets a denied variable (named; its value is never shown). */
export function checkCallerEnv(policy: SpawnPolicy, callerEnv: Record<string, string>): void {
  const denied = Object.keys(callerEnv).filter((name) => policy.isDenied(name));
  if (denied.length) throw new ServiceError(Code.PERMISSION_DENIED, `this pty-service does not let callers set ${denied.join(", ")} (PTY_ENV_DENY)`);
}

/** PERMISSION_DENIED when the resolved program is not on the allow-list. */
export function checkProgram(policy: SpawnPolicy, command: string, file: string): void {
  if (!policy.allowedPrograms) return;
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    real = file;
  }
  if (!policy.allowedPrograms.has(real)) throw new ServiceError(Code.PERMISSION_DENIED, `${command} is not among the programs this pty-service may run (PTY_ALLOWED_COMMANDS)`);
}
