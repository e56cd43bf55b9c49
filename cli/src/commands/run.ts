/** `ptykeep run -- PROGRAM [ARGS...]`: spawn a session at the local terminal's size, then attach. */
import path from "node:path";
import type { WriteStream } from "node:tty";
import { validate } from "@ptykeep/proto/client";
import type { Command } from "../args.js";
import type { Context } from "../context.js";
import { isTty } from "../context.js";
import { EXIT } from "../errors.js";
import { attachSession } from "./attach.js";

/** What `ptykeep run` was given: the parsed command without its name. */
export type RunParams = Omit<Extract<Command, { name: "run" }>, "name">;

export async function runCommand(ctx: Context, cmd: RunParams): Promise<number> {
  const { conn, stdout } = ctx;
  const pty = conn.ptyClient();
  const env = { ...cmd.env };
  // The terminal type belongs to the terminal the program is first shown on: ours.
  if (env.TERM === undefined && ctx.env.TERM && isTty(stdout)) env.TERM = ctx.env.TERM;
  const { MAX_TERMINAL_DIM: maxDim } = validate.REQUEST_LIMITS;
  const tty = stdout as WriteStream;
  const size = isTty(stdout) && tty.rows > 0 && tty.columns > 0 ? { rows: Math.min(maxDim, tty.rows), cols: Math.min(maxDim, tty.columns) } : { rows: 0, cols: 0 };
  const res = await conn.unary("pty-service", pty, "Spawn", {
    command: cmd.program,
    args: cmd.args,
    env,
    // Relative to where the user typed the command, as they would expect.
    cwd: cmd.cwd === undefined ? "" : path.resolve(cmd.cwd),
    labels: cmd.labels,
    ...size,
  });
  if (cmd.detach) {
    stdout.write(`${res.sessionId}\n`);
    return EXIT.OK;
  }
  return attachSession(ctx, { id: res.sessionId, fromSeq: 0, readOnly: false, detachKeys: cmd.detachKeys });
}
