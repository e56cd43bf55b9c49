/** How an ended session is described to a person, and the exit code the CLI passes on. */
import { constants as osConstants } from "node:os";
import type { StoreApi } from "@ptykeep/proto/client";
import { EXIT } from "./errors.js";
import { stateName } from "./table.js";

type SessionExit = StoreApi.SessionExit__Output;

export function describeExit(exit: SessionExit): string {
  const state = stateName(exit.state);
  const how = exit.exitCode !== undefined && exit.exitCode !== null ? `exit code ${exit.exitCode}` : exit.signal ? `signal ${exit.signal}` : "";
  // The reason repeats the code or signal when there is one; it matters for lost sessions.
  const reason = exit.reason && !how ? `: ${exit.reason}` : "";
  return `${state}${how ? ` (${how})` : ""}${reason}`;
}

/** The program's exit code; 128+N for death by signal N, as shells report it; 1 when unknown. */
export function exitCodeOf(exit: SessionExit): number {
  if (exit.exitCode !== undefined && exit.exitCode !== null) return exit.exitCode;
  const signo = exit.signal ? (osConstants.signals as Record<string, number>)[exit.signal] : undefined;
  return signo !== undefined ? EXIT.SIGNAL_BASE + signo : EXIT.FAILURE;
}
