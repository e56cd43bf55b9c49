/**
 * The `ptykeep` command: parses argv, runs one command, and turns every expected failure into
 * one line on stderr and an exit code (0 ok, 1 failure, 2 usage; attach passes on the
 * program's exit code). Returns the exit code instead of exiting, so it can be driven in-process.
 *
 * Only the grammar is loaded up front: `help` and usage errors answer without loading gRPC, and a
 * command loads its own module (and through it the gRPC client) when it runs.
 */
import { parseCli, usageOf, type Command } from "./args.js";
import type { Context } from "./context.js";
import { CliError, EXIT, UsageError } from "./errors.js";

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
    io.stdout.write(usageOf(parsed.command.topic));
    return EXIT.OK;
  }
  const { Connection, resolveEndpoints } = await import("./connection.js");
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

async function dispatch(ctx: Context, cmd: Exclude<Command, { name: "help" }>): Promise<number> {
  switch (cmd.name) {
    case "run":
      return (await import("./commands/run.js")).runCommand(ctx, cmd);
    case "attach":
      return (await import("./commands/attach.js")).attachCommand(ctx, cmd);
    case "ls":
      return (await import("./commands/ls.js")).lsCommand(ctx, cmd);
    case "logs":
      return (await import("./commands/logs.js")).logsCommand(ctx, cmd);
    case "export":
      return (await import("./commands/export.js")).exportCommand(ctx, cmd);
    case "kill":
      return (await import("./commands/control.js")).killCommand(ctx, cmd);
    case "write":
      return (await import("./commands/control.js")).writeCommand(ctx, cmd);
    case "resize":
      return (await import("./commands/control.js")).resizeCommand(ctx, cmd);
  }
}
