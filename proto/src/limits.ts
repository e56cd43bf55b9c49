/**
 * Request limits and the session id syntax, with no gRPC runtime behind them: the CLI checks its
 * arguments with these before it loads anything else (`ptykeep help` loads nothing more).
 * Exported as `@ptykeep/proto/limits`; validate.ts applies them to requests.
 */
export { isUuid } from "./ids.js";

/** Limits on what a request may carry; each bounds memory a caller could make us hold. */
export const REQUEST_LIMITS = Object.freeze({
  /** Terminal sizes beyond this are mistakes (a 4K screen at 8px cells is ~500 columns). */
  MIN_TERMINAL_DIM: 1,
  MAX_TERMINAL_DIM: 1000,
  /** A command is a program path or name; PATH_MAX on Linux is 4096. */
  MAX_COMMAND_BYTES: 4096,
  MAX_CWD_BYTES: 4096,
  /** Linux caps one argument at 128 KiB (MAX_ARG_STRLEN); we keep well under ARG_MAX overall. */
  MAX_ARGS: 1024,
  MAX_ARG_BYTES: 128 * 1024,
  MAX_ARGS_TOTAL_BYTES: 1024 * 1024,
  /** Labels are for filtering, not storage. */
  MAX_LABELS: 64,
  MAX_LABEL_KEY_BYTES: 63,
  MAX_LABEL_VALUE_BYTES: 256,
  MAX_ENV_VARS: 1024,
  MAX_ENV_NAME_BYTES: 256,
  MAX_ENV_TOTAL_BYTES: 1024 * 1024,
  /** A pty node address is host:port or a DNS name. */
  MAX_NODE_BYTES: 512,
  /** Ids accepted by batch calls such as CheckLiveness. */
  MAX_IDS_PER_CALL: 10_000,
});
