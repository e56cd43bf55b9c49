/**
 * The one error type of ptykeep and its one mapping to gRPC status.
 *
 * Handlers throw ServiceError(code, message) for anything a caller can act on; the message says
 * what to fix. Cancellation maps to CANCELLED, a database or network dependency that is down to
 * UNAVAILABLE, and anything else to INTERNAL (logged with the method name; the caller gets no
 * internals).
 *
 * A call to another service that fails is mapped once too (fromDownstream): the other service's
 * verdicts about the request reach our caller unchanged; anything else is UNAVAILABLE.
 */
import { Metadata, status, type StatusObject } from "@grpc/grpc-js";

export { status as Code } from "@grpc/grpc-js";

export class ServiceError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

export const invalidArgument = (message: string) => new ServiceError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new ServiceError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string) => new ServiceError(status.FAILED_PRECONDITION, message);
export const resourceExhausted = (message: string) => new ServiceError(status.RESOURCE_EXHAUSTED, message);
export const unavailable = (message: string) => new ServiceError(status.UNAVAILABLE, message);
export const alreadyExists = (message: string) => new ServiceError(status.ALREADY_EXISTS, message);

/** Network errors; PostgreSQL's classes are in isDependencyDown. */
const UNAVAILABLE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

export function isDependencyDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (UNAVAILABLE_ERRNOS.has(code)) return true;
    // SQLSTATE: 08xxx connection exception, 53xxx insufficient resources (disk full, out of
    // memory, too many connections), 57P0x operator intervention (shutdown, crash, starting up),
    // 57014 query_canceled (statement_timeout), 58xxx system error (I/O), 25006 read-only
    // transaction (a standby, or an old primary after a failover).
    if (/^(08|53|57P0|58)|^57014$|^25006$/.test(code)) return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(err.message);
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORT_ERR");
}

export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/** Maps any thrown value to the status a caller receives; logs what the caller cannot see. */
export function toStatus(err: unknown, method: string, log: ErrorLogger): Partial<StatusObject> {
  if (err instanceof ServiceError) return { code: err.code, details: err.message, metadata: new Metadata() };
  if (isAbort(err)) return { code: status.CANCELLED, details: "the call was cancelled", metadata: new Metadata() };
  if (isDependencyDown(err)) {
    log.error({ err, method }, "dependency unavailable");
    return { code: status.UNAVAILABLE, details: `a dependency is unavailable (${(err as Error).message}); retry later`, metadata: new Metadata() };
  }
  log.error({ err, method }, "internal error");
  return { code: status.INTERNAL, details: "internal error; see the service log", metadata: new Metadata() };
}

/** Whether err is a failed gRPC call as grpc-js reports it (a numeric status code and details). */
export function isCallError(err: unknown): err is Error & { code: status; details: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === "number" && typeof (err as { details?: unknown }).details === "string";
}

/**
 * Status of a failed call to another service: its code and details. Our own ServiceError gives
 * its code and message; anything else (not an answer of the other service) is UNKNOWN.
 */
export function callStatus(err: unknown): { code: status; details: string } {
  if (err instanceof ServiceError) return { code: err.code, details: err.message };
  if (isCallError(err)) return { code: err.code, details: err.details };
  return { code: status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}

/**
 * A call to another service failed: the ServiceError our caller gets. Our own ServiceError
 * (thrown while handling the answer) passes unchanged. A code in `verdicts` is the other
 * service's answer about the request itself, the caller's to act on: it passes with its details.
 * Anything else means the other service could not answer: UNAVAILABLE, with the message
 * `unavailable` makes from the details.
 */
export function fromDownstream(err: unknown, opts: { verdicts: Iterable<status>; unavailable: (details: string) => string }): ServiceError {
  if (err instanceof ServiceError) return err;
  const { code, details } = callStatus(err);
  for (const verdict of opts.verdicts) if (code === verdict) return new ServiceError(code, details);
  return new ServiceError(status.UNAVAILABLE, opts.unavailable(details));
}
