/**
 * Structured JSON logs (pino) for both services. LOG_LEVEL picks the level (default "info";
 * tests run with "silent" unless told otherwise).
 */
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ name, level, base: { service: name } });
}
