/**
 * PtyService handlers: each validates its request and routes it to the session's actor (or to
 * spawn/attach). No session logic lives here.
 */
import * as grpc from "@grpc/grpc-js";
import { Code, ServiceError, bidiStream, delay, invalidArgument, serverStream, unary, validate, type Logger, type PtyApi } from "@ptykeep/proto";
import { TUNING, type PtyConfig } from "./config.js";
import { attach, type AttachDeps } from "./attach.js";
import { interact } from "./interact.js";
import { SessionActor } from "./session-actor.js";
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
      const actor = registry.getOrThrow(validate.sessionId(req.sessionId));
      const end = await abortable(actor.kill(), ctx.signal);
      const recorded = await Promise.race([
        actor.exitRecorded.then(
          () => true,
          (err: unknown) => {
            // The program is gone, but its ending is not on record: the caller must not take it
            // as recorded (GetSession and replay do not show it).
            throw new ServiceError(Code.DATA_LOSS, `session ${actor.id} was ended (${end.reason}), but the store refused to record it: ${(err as Error).message}`);
          },
        ),
        delay(TUNING.KILL_STORE_WAIT_MS).then(() => false),
      ]);
      if (!recorded) {
        throw new ServiceError(Code.UNAVAILABLE, `session ${actor.id} has ended, but the store has not confirmed its last output yet; it is kept in memory and will be recorded when the store is reachable`);
      }
      return { exit: SessionActor.exitMessage(end) };
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
  return handlers as unknown as grpc.UntypedServiceImplementation;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
