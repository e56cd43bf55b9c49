/**
 * How the CLI fails: a usage mistake (exit 2) or a failure the user can understand from one line
 * (exit 1). Anything else is a bug and is printed with its stack.
 */
export const EXIT = Object.freeze({
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** Shells report death by signal N as 128 + N; we follow suit when a signal ends the CLI. */
  SIGNAL_BASE: 128,
});

/** Wrong flags or arguments: the message says what to type instead. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An expected failure (server down, unknown session...): one line on stderr, no stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
    /** The gRPC status code behind the failure, when a server answered with one. */
    readonly grpcCode?: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}
