/**
 * Checks made before a program is spawned. node-pty fails inside the forked child, where a
 * missing program or directory only shows up as exit code 1 and some text in the terminal; these
 * checks turn such mistakes into FAILED_PRECONDITION with a message that says what to fix.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { failedPrecondition, invalidArgument } from "@ptykeep/proto";

export async function checkCwd(cwd: string): Promise<void> {
  if (!path.isAbsolute(cwd)) throw invalidArgument(`cwd ${JSON.stringify(cwd)} must be an absolute path`);
  let info;
  try {
    info = await stat(cwd);
  } catch {
    throw failedPrecondition(`cwd ${cwd} does not exist on this host`);
  }
  if (!info.isDirectory()) throw failedPrecondition(`cwd ${cwd} is not a directory`);
  try {
    await access(cwd, constants.X_OK);
  } catch {
    throw failedPrecondition(`cwd ${cwd} cannot be entered by the pty-service's user (no search permission)`);
  }
}

async function isExecutableFile(file: string): Promise<"ok" | "missing" | "directory" | "not-executable"> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return "missing";
  }
  if (info.isDirectory()) return "directory";
  try {
    await access(file, constants.X_OK);
    return "ok";
  } catch {
    return "not-executable";
  }
}

/**
 * Finds the program the way execvp will: a command containing "/" is a path (relative to cwd),
 * anything else is looked up in the program's PATH. Returns the file that will run.
 */
export async function resolveProgram(command: string, opts: { cwd: string; pathVar: string | undefined }): Promise<string> {
  if (command.includes("/")) {
    const file = path.resolve(opts.cwd, command);
    const found = await isExecutableFile(file);
    if (found === "ok") return file;
    if (found === "missing") throw failedPrecondition(`program ${command} does not exist on this host${file !== command ? ` (looked for ${file})` : ""}`);
    if (found === "directory") throw failedPrecondition(`program ${command} is a directory, not a program`);
    throw failedPrecondition(`program ${command} is not executable (chmod +x, or run it through its interpreter)`);
  }
  const dirs = (opts.pathVar ?? "/usr/local/bin:/usr/bin:/bin").split(":");
  for (const dir of dirs) {
    const file = path.resolve(opts.cwd, dir || ".", command);
    if ((await isExecutableFile(file)) === "ok") return file;
  }
  throw failedPrecondition(`program ${JSON.stringify(command)} was not found in PATH (${opts.pathVar ?? "unset"}); give an absolute path or set env PATH`);
}
