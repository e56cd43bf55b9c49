/**
 * PtyService handlers: each validates its request and routes it to the session's actor, or to
 * the module for its call (spawn, kill, attach, interact). No session logic lives here.
 */
import * as grpc from "@grpc/grpc-js";
import { Code, ServiceError, bidiStream, invalidArgument, serverStream, unary, validate, type Logger, type PtyApi } from "@ptykeep/proto";
import type { PtyConfig } from "./config.js";
import { attach, type AttachDeps } from "./attach.js";
import { interact } from "./interact.js";
import { killSession } from "./kill.js";
import { parseSignal } from "./signals.js";
import { spawnSession, type SpawnDeps } from "./spawn.js";

export interface ServiceDeps extends SpawnDeps, AttachDeps {
  config: Readonly<PtyConfig>;
  log: Logger;
}

export function ptyHandlers(deps: ServiceDeps): grpc.UntypedServiceImplementation {
  const { registry, log } = deps;
  const handlers: PtyApi.PtyServiceHandlers = {
    Spawn: unary("Spawn", log, async (req: PtyApi.SpawnRequest__Output) => {
      if (!deps.accepting()) throw new ServiceError(Code.UNAVAILABLE, "this pty-service is shutting down; spawn on another node");
      return spawnSession(req, deps);
    }),

    Write: unary("Write", log, async (req: PtyApi.WriteRequest__Output) => {
      const actor = registry.getOrThrow(validate.sessionId(req.sessionId));
      if (req.data.length > deps.config.maxWriteBytes) {
        // A request-shape error, not a transient one: retrying the same bytes cannot succeed.
        throw invalidArgument(`data is ${req.data.length} bytes; the limit per Write is ${deps.config.maxWriteBytes} (PTY_MAX_WRITE_BYTES): split it into several writes`);
      }
      await actor.write(req.data);
      return {};
    }),

    Resize: unary("Resize", log, async (req: PtyApi.ResizeRequest__Output) => {
      const id = validate.sessionId(req.sessionId);
      const rows = validate.terminalDim(req.rows, "rows");
      const cols = validate.terminalDim(req.cols, "cols");
      await registry.getOrThrow(id).resize(rows, cols);
      return {};
    }),

    Signal: unary("Signal", log, async (req: PtyApi.SignalRequest__Output) => {
      const actor = registry.getOrThrow(validate.sessionId(req.sessionId));
      await actor.signal(parseSignal(req.signal).number);
      return {};
    }),

    Kill: unary("Kill", log, async (req: PtyApi.KillRequest__Output, ctx) => {
      return killSession(registry.getOrThrow(validate.sessionId(req.sessionId)), ctx.signal);
    }),

    Attach: serverStream("Attach", log, async (req: PtyApi.AttachRequest__Output, call, ctx) => {
      await attach(req, call, ctx, deps, validate.sessionId(req.sessionId));
    }),

    Interact: bidiStream("Interact", log, (call: grpc.ServerDuplexStream<PtyApi.InteractRequest__Output, PtyApi.InteractResponse>, ctx) => interact(call, ctx, deps)),

    ListSessions: unary("ListSessions", log, async () => ({ sessions: registry.all().map((a) => a.info()) })),

    CheckLiveness: unary("CheckLiveness", log, async (req: PtyApi.CheckLivenessRequest__Output) => {
      const max = validate.REQUEST_LIMITS.MAX_IDS_PER_CALL;
      if (req.sessionIds.length > max) throw invalidArgument(`session_ids has ${req.sessionIds.length} entries; the limit is ${max}`);
      const sessions = req.sessionIds.map((raw, i) => {
        const id = validate.sessionId(raw, `session_ids[${i}]`);
        const actor = registry.get(id);
        const liveness: PtyApi.Liveness = !actor ? "LIVENESS_UNKNOWN" : actor.ended ? "LIVENESS_EXITED" : "LIVENESS_RUNNING";
        return { sessionId: id, liveness };
      });
      return { sessions };
    }),
  };
  return handlers;
}
