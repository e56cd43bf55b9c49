/**
 * How a session's end is described in its exit event. The pty-service tells live viewers and the
 * store replays the record later: both derive the text here from the same facts, so that one
 * exit reads the same whichever way it is received.
 */
export interface SessionEndFacts {
  state: "exited" | "killed";
  exitCode: number | undefined;
  /** Signal name ("SIGTERM") when a signal ended the program, else "". */
  signal: string;
}

export function sessionEndReason(end: SessionEndFacts): string {
  if (end.state === "killed") return "killed by request";
  if (end.signal) return `ended by ${end.signal}`;
  return `exited with code ${end.exitCode}`;
}
