/**
 * Services as their own processes (main.ts run by tsx, as in the images), for the tests that
 * need what only a process has: SIGKILL, SIGTERM, an exit code. Each is ready once its JSON log
 * says where it listens (gRPC, and /metrics when asked for).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A service process starts (tsx, migrations) within this on a loaded machine. */
export const PROCESS_START_TIMEOUT_MS = 60_000;

export interface ServiceProcess {
  child: ChildProcess;
  /** gRPC address, from the "listening" log line. */
  address: string;
  /** /metrics address, when the environment turned it on. */
  metrics: string | undefined;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Everything the process logged so far. */
  log(): string;
}

export function startServiceProcess(service: "store-service" | "pty-service", env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, `${service}/src/main.ts`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const wantsMetrics = Object.keys(env).some((k) => k.endsWith("_METRICS_LISTEN"));
  let text = "";
  return new Promise((resolve, reject) => {
    let address: string | undefined;
    let metrics: string | undefined;
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${service} did not start within ${PROCESS_START_TIMEOUT_MS} ms:\n${text}`));
    }, PROCESS_START_TIMEOUT_MS);
    child.stderr.on("data", (b: Buffer) => (text += b.toString("utf8")));
    let partial = "";
    child.stdout.on("data", (b: Buffer) => {
      partial += b.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        text += line + "\n";
        if (ready) continue;
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === `${service} listening`) address = entry.address;
        if (entry.msg?.startsWith("metrics at ")) metrics = entry.address;
        if (address && (metrics || !wantsMetrics)) {
          ready = true;
          clearTimeout(timer);
          resolve({ child, address, metrics, exited, log: () => text });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${service} exited (${code}) before listening:\n${text}`));
    });
  });
}

/** One sample of a metric from a /metrics endpoint (the first line matching name and labels); 0 when absent. */
export async function scrape(metricsAddress: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  return sampleOf(text, name, labels);
}

export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}
