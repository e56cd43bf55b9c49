/**
 * Checks made before a program is spawned. node-pty fails inside the forked child, where a
 * missing program or directory only shows up as exit code 1 and some text in the terminal; these
 * checks turn such mistakes into FAILED_PRECONDITION with a message that says what to fix.
 */
import { constants } from "node:fs";
import { access, open, stat } from "node:fs/promises";
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

async function isExecutableFile(file: string): Promise<"ok" | "missing" | "unreachable" | "directory" | "not-executable"> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    // EACCES: a directory on the way may not be searched by the pty-service's user. It may well
    // exist; saying it does not would send the caller looking in the wrong place.
    return (err as NodeJS.ErrnoException).code === "EACCES" ? "unreachable" : "missing";
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
    if (found === "ok") return checkFormat(command, file);
    if (found === "missing") throw failedPrecondition(`program ${command} does not exist on this host${file !== command ? ` (looked for ${file})` : ""}`);
    if (found === "unreachable") throw failedPrecondition(`program ${file} cannot be reached by the pty-service's user (a directory on its path may not be searched)`);
    if (found === "directory") throw failedPrecondition(`program ${command} is a directory, not a program`);
    throw failedPrecondition(`program ${file} is not executable (chmod +x, or run it through its interpreter)`);
  }
  const dirs = (opts.pathVar ?? "/usr/local/bin:/usr/bin:/bin").split(":");
  // Like execvp: the first executable match wins; a match that may not be executed is reported
  // only when there is no other (EACCES rather than ENOENT).
  let notExecutable: string | undefined;
  for (const dir of dirs) {
    const file = path.resolve(opts.cwd, dir || ".", command);
    const found = await isExecutableFile(file);
    if (found === "ok") return checkFormat(command, file);
    if (found === "not-executable" || found === "unreachable") notExecutable ??= file;
  }
  if (notExecutable) throw failedPrecondition(`program ${JSON.stringify(command)} was found in PATH as ${notExecutable}, which is not executable by the pty-service's user (chmod +x, or give another path)`);
  throw failedPrecondition(`program ${JSON.stringify(command)} was not found in PATH (${opts.pathVar ?? "unset"}); give an absolute path or set env PATH`);
}

/** How a file the kernel runs by itself begins: an ELF binary, or a script naming its interpreter. */
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const SHEBANG = Buffer.from("#!");

/**
 * Programs are never run through a shell. execvp, which node-pty uses, hands a file the kernel
 * refuses to execute (ENOEXEC: no #! line, not a binary) to /bin/sh; refusing such a file here
 * keeps that promise and tells the caller how to run it on purpose. A file that may be executed
 * but not read (mode --x) is left to the kernel: only a binary can run that way.
 */
async function checkFormat(command: string, file: string): Promise<string> {
  let head: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      const buf = Buffer.alloc(ELF_MAGIC.length);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return file;
  }
  if (head.subarray(0, SHEBANG.length).equals(SHEBANG) || head.equals(ELF_MAGIC)) return file;
  throw failedPrecondition(
    `program ${file}${command !== file ? ` (${command})` : ""} is neither a binary nor a script with a #! line; ptykeep never runs programs through a shell: add a #! line naming its interpreter, or spawn the interpreter with the file as an argument (e.g. command "/bin/sh", args ["${file}"])`,
  );
}
