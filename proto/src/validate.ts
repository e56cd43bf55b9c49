/**
 * Request validation shared by both services. Every check throws INVALID_ARGUMENT with a message
 * that names the field and says what a valid value looks like.
 */
import { invalidArgument } from "./errors.js";
import { isUuid } from "./ids.js";
import { REQUEST_LIMITS } from "./limits.js";

export { REQUEST_LIMITS };

const L = REQUEST_LIMITS;

export function sessionId(value: string, field = "session_id"): string {
  if (!value) throw invalidArgument(`${field} is required: a UUID such as 0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e`);
  if (!isUuid(value)) throw invalidArgument(`${field} ${JSON.stringify(truncate(value))} is not a UUID (expected 8-4-4-4-12 hex digits)`);
  return value.toLowerCase();
}

export function optionalSessionId(value: string, field = "session_id"): string | undefined {
  return value ? sessionId(value, field) : undefined;
}

export function terminalDim(value: number, field: "rows" | "cols"): number {
  if (!Number.isInteger(value) || value < L.MIN_TERMINAL_DIM || value > L.MAX_TERMINAL_DIM) {
    throw invalidArgument(`${field} must be between ${L.MIN_TERMINAL_DIM} and ${L.MAX_TERMINAL_DIM}, got ${value}`);
  }
  return value;
}

/** A seq that must be 1 or more (proto uint64 cannot be negative on the wire; 0 means unset). */
export function positiveSeq(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw invalidArgument(`${field} must be 1 or more, got ${value}`);
  return value;
}

export function nonNegative(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(`${field} must be 0 or more, got ${value}`);
  return value;
}

interface TextRule {
  max: number;
  required?: boolean;
}

/** A string field: length-bounded (in UTF-8 bytes) and free of NUL, which exec and C strings cannot carry. */
export function text(value: string, field: string, rule: TextRule): string {
  if (rule.required && value.length === 0) throw invalidArgument(`${field} is required and must not be empty`);
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > rule.max) throw invalidArgument(`${field} is ${bytes} bytes; the limit is ${rule.max}`);
  if (value.includes("\0")) throw invalidArgument(`${field} must not contain NUL bytes`);
  return value;
}

export function args(values: string[], field = "args"): string[] {
  if (values.length > L.MAX_ARGS) throw invalidArgument(`${field} has ${values.length} entries; the limit is ${L.MAX_ARGS}`);
  let total = 0;
  values.forEach((value, i) => {
    text(value, `${field}[${i}]`, { max: L.MAX_ARG_BYTES });
    total += Buffer.byteLength(value);
  });
  if (total > L.MAX_ARGS_TOTAL_BYTES) throw invalidArgument(`${field} total ${total} bytes; the limit is ${L.MAX_ARGS_TOTAL_BYTES}`);
  return values;
}

const LABEL_KEY_RE = /^[A-Za-z0-9]([A-Za-z0-9._\/-]*[A-Za-z0-9])?$/;

export function labels(map: Record<string, string>, field = "labels"): Record<string, string> {
  const entries = Object.entries(map);
  if (entries.length > L.MAX_LABELS) throw invalidArgument(`${field} has ${entries.length} entries; the limit is ${L.MAX_LABELS}`);
  for (const [key, value] of entries) {
    if (Buffer.byteLength(key) > L.MAX_LABEL_KEY_BYTES || !LABEL_KEY_RE.test(key)) {
      throw invalidArgument(`${field} key ${JSON.stringify(truncate(key))} must be 1-${L.MAX_LABEL_KEY_BYTES} characters of letters, digits, '.', '_', '-', '/', starting and ending with a letter or digit`);
    }
    text(value, `${field}[${key}]`, { max: L.MAX_LABEL_VALUE_BYTES });
  }
  return { ...map };
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function envName(name: string, field: string): string {
  if (!ENV_NAME_RE.test(name) || Buffer.byteLength(name) > L.MAX_ENV_NAME_BYTES) {
    throw invalidArgument(`${field} name ${JSON.stringify(truncate(name))} is not a valid environment variable name (letters, digits and '_', not starting with a digit, no '=')`);
  }
  return name;
}

export function env(map: Record<string, string>, field = "env"): Record<string, string> {
  const entries = Object.entries(map);
  if (entries.length > L.MAX_ENV_VARS) throw invalidArgument(`${field} has ${entries.length} entries; the limit is ${L.MAX_ENV_VARS}`);
  let total = 0;
  for (const [name, value] of entries) {
    envName(name, field);
    // The value is never echoed back: it may be a secret.
    if (value.includes("\0")) throw invalidArgument(`${field}[${name}] must not contain NUL bytes`);
    total += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  }
  if (total > L.MAX_ENV_TOTAL_BYTES) throw invalidArgument(`${field} total ${total} bytes; the limit is ${L.MAX_ENV_TOTAL_BYTES}`);
  return { ...map };
}

function truncate(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
