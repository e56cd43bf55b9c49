/**
 * The `ptykeep` command: parses argv, runs one command, and turns every expected failure into
 * one line on stderr and an exit code (0 ok, 1 failure, 2 usage; attach passes on the
 * program's exit code). Returns the exit code instead of exiting, so it can be driven in-process.
 */
import { USAGE, parseCli, type Command } from "./args.js";
import { Connection, resolveEndpoints } from "./connection.js";
import type { Context } from "./context.js";
import { CliError, EXIT, UsageError } from "./errors.js";
import { attachCommand } from "./commands/attach.js";
import { killCommand, resizeCommand, writeCommand } from "./commands/control.js";
import { exportCommand } from "./commands/export.js";
import { logsCommand } from "./commands/logs.js";
import { lsCommand } from "./commands/ls.js";
import { runCommand } from "./commands/run.js";

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(argv, io.env);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`ptykeep: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  if (parsed.command.name === "help") {
    io.stdout.write(USAGE);
    return EXIT.OK;
  }
  const conn = new Connection(resolveEndpoints(parsed.addresses, io.env));
  try {
    return await dispatch({ conn, ...io }, parsed.command);
  } catch (err) {
    if (err instanceof CliError || err instanceof UsageError) {
      io.stderr.write(`ptykeep: ${err.message}\n`);
      return err instanceof UsageError ? EXIT.USAGE : err.exitCode;
    }
    io.stderr.write(`ptykeep: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.FAILURE;
  } finally {
    conn.close();
  }
}

function dispatch(ctx: Context, cmd: Exclude<Command, { name: "help" }>): Promise<number> {
  switch (cmd.name) {
    case "run":
      return runCommand(ctx, cmd);
    case "attach":
      return attachCommand(ctx, cmd);
    case "ls":
      return lsCommand(ctx, cmd);
    case "logs":
      return logsCommand(ctx, cmd);
    case "export":
      return exportCommand(ctx, cmd);
    case "kill":
      return killCommand(ctx, cmd);
    case "write":
      return writeCommand(ctx, cmd);
    case "resize":
      return resizeCommand(ctx, cmd);
  }
}
