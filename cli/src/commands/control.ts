/** The one-shot commands that act on a running session: kill, write, resize. */
import { MAX_CHUNK_BYTES } from "@ptykeep/proto/client";
import type { Context } from "../context.js";
import { DEADLINES } from "../connection.js";
import { EXIT } from "../errors.js";
import { describeExit } from "../session-exit.js";

export async function killCommand(ctx: Context, cmd: { id: string; signal?: string }): Promise<number> {
  const { conn } = ctx;
  const pty = conn.ptyClient();
  if (cmd.signal !== undefined) {
    await conn.unary("pty-service", pty, pty.Signal, { sessionId: cmd.id, signal: cmd.signal }, { sessionId: cmd.id });
    return EXIT.OK;
  }
  const res = await conn.unary("pty-service", pty, pty.Kill, { sessionId: cmd.id }, { sessionId: cmd.id, deadlineMs: DEADLINES.KILL_MS });
  ctx.stdout.write(`session ${cmd.id} ${res.exit ? describeExit(res.exit) : "ended"}\n`);
  return EXIT.OK;
}

export async function writeCommand(ctx: Context, cmd: { id: string; data: Buffer | "stdin" }): Promise<number> {
  const { conn } = ctx;
  const pty = conn.ptyClient();
  const data = cmd.data === "stdin" ? await readAll(ctx.stdin) : cmd.data;
  // Split like a paste in attach: each Write stays within the contract's chunk limit.
  for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) {
    await conn.unary("pty-service", pty, pty.Write, { sessionId: cmd.id, data: data.subarray(at, at + MAX_CHUNK_BYTES) }, { sessionId: cmd.id });
  }
  return EXIT.OK;
}

export async function resizeCommand(ctx: Context, cmd: { id: string; rows: number; cols: number }): Promise<number> {
  const { conn } = ctx;
  const pty = conn.ptyClient();
  await conn.unary("pty-service", pty, pty.Resize, { sessionId: cmd.id, rows: cmd.rows, cols: cmd.cols }, { sessionId: cmd.id });
  return EXIT.OK;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}
