/**
 * Kill: ends a session's program, then waits a bounded time for the store to record the ending,
 * so that a caller told "killed" finds it in GetSession and replay. The program is gone either
 * way; the answer says whether its ending is on record.
 */
import { Code, ServiceError, delay, type PtyApi } from "@ptykeep/proto";
import { TUNING } from "./config.js";
import { SessionActor } from "./session-actor.js";

/** Kills the session's program and answers Kill; the wait for the program ends when signal aborts. */
export async function killSession(actor: SessionActor, signal: AbortSignal): Promise<PtyApi.KillResponse> {
  const end = await abortable(actor.kill(), signal);
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
