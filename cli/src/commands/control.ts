/** The one-shot commands that act on a running session: kill, write, resize. */
import { Code, MAX_CHUNK_BYTES } from "@ptykeep/proto/client";
import type { Context } from "../context.js";
import { DEADLINES } from "../connection.js";
import { CliError, EXIT } from "../errors.js";
import { describeExit } from "../session-exit.js";

export async function killCommand(ctx: Context, cmd: { id: string; signal?: string }): Promise<number> {
  const { conn } = ctx;
  const pty = conn.ptyClient();
  if (cmd.signal !== undefined) {
    await conn.unary("pty-service", pty, "Signal", { sessionId: cmd.id, signal: cmd.signal }, { sessionId: cmd.id });
    return EXIT.OK;
  }
  const res = await conn.unary("pty-service", pty, "Kill", { sessionId: cmd.id }, { sessionId: cmd.id, deadlineMs: DEADLINES.KILL_MS }).catch((err: unknown) => notHosted(ctx, cmd.id, err));
  ctx.stdout.write(`session ${cmd.id} ${res.exit ? describeExit(res.exit) : "ended"}\n`);
  return EXIT.OK;
}

/**
 * The pty-service does not host the session: say what the store knows, rather than "not found",
 * for a session that ended or was lost (a lost session keeps its reason; nothing runs to kill).
 */
async function notHosted(ctx: Context, id: string, err: unknown): Promise<never> {
  if (!(err instanceof CliError) || err.grpcCode !== Code.NOT_FOUND) throw err;
  const store = ctx.conn.storeClient();
  const found = await ctx.conn.unary("store-service", store, "GetSession", { sessionId: id }, { sessionId: id }).catch(() => undefined);
  const s = found?.session;
  if (!s || s.state === "SESSION_STATE_RUNNING" || s.state === "SESSION_STATE_STARTING") throw err;
  if (s.state === "SESSION_STATE_LOST") throw new CliError(`session ${id} is lost (${s.endReason}); no pty-service runs it, so there is nothing to kill`, EXIT.FAILURE, Code.FAILED_PRECONDITION);
  throw new CliError(`session ${id} has already ended: ${describeExit({ state: s.state, exitCode: s.exitCode, signal: s.exitSignal, reason: s.endReason, finalSeq: s.finalSeq, ts: s.endedAt })}`, EXIT.FAILURE, Code.FAILED_PRECONDITION);
}

export async function writeCommand(ctx: Context, cmd: { id: string; data: Buffer | "stdin" }): Promise<number> {
  const { conn } = ctx;
  const pty = conn.ptyClient();
  const data = cmd.data === "stdin" ? await readAll(ctx.stdin) : cmd.data;
  // Split like a paste in attach: each Write stays within the contract's chunk limit.
  for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) {
    await conn.unary("pty-service", pty, "Write", { sessionId: cmd.id, data: data.subarray(at, at + MAX_CHUNK_BYTES) }, { sessionId: cmd.id });
  }
  return EXIT.OK;
}

export async function resizeCommand(ctx: Context, cmd: { id: string; rows: number; cols: number }): Promise<number> {
  const { conn } = ctx;
  const pty = conn.ptyClient();
  await conn.unary("pty-service", pty, "Resize", { sessionId: cmd.id, rows: cmd.rows, cols: cmd.cols }, { sessionId: cmd.id });
  return EXIT.OK;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}
