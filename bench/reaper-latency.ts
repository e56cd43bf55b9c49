/**
 * Time from a pty-service crash to its sessions being marked lost.
 *
 *   npx tsx bench/reaper-latency.ts                               # the defaults: 10 s interval, 60 s grace
 *   npx tsx bench/reaper-latency.ts --interval 1000 --grace 5000 --replicas 3 --sessions 5
 *
 * A throw-away PostgreSQL, `replicas` store-services in this process on it (their reapers on, with
 * the given interval and grace), a real pty-service in a child process running `sessions` idle
 * programs; then SIGKILL the pty-service and poll the store every 20 ms until every session is
 * lost. Expected: between grace and grace + 2 intervals (the first failed check comes up to one
 * interval after the crash; the grace then counts from that check, in steps of one interval).
 *
 * Programmatic use: `runReaperLatency(options)` returns the figures.
 */
import pg from "pg";
import { callUnary, createLogger, createPtyClient } from "@ptykeep/proto";
import { startPrivatePostgres } from "../test/support/postgres.js";
import { startPtyChild } from "../test/history/pty-child.js";
import { loadStoreConfig, startStoreService, STORE_DEFAULTS } from "../store-service/src/index.js";

export interface ReaperLatencyOptions {
  intervalMs: number;
  graceMs: number;
  replicas: number;
  sessions: number;
}

export interface ReaperLatencyResult {
  options: ReaperLatencyOptions;
  /** SIGKILL to the last session marked lost. */
  ms: number;
  /** The bound the reaper promises: grace + 2 intervals. */
  boundMs: number;
  /** Transitions recorded per session (1 each when every session was reaped once). */
  transitionsPerSession: number[];
}

/** Polling the store for the result; finer than any interval worth configuring. */
const POLL_MS = 20;

export async function runReaperLatency(o: ReaperLatencyOptions, say: (line: string) => void = () => {}): Promise<ReaperLatencyResult> {
  const cluster = await startPrivatePostgres();
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE reaper_latency");
  await admin.end();
  const databaseUrl = cluster.adminUrl.replace(/\/postgres$/, "/reaper_latency");
  const env = {
    DATABASE_URL: databaseUrl,
    STORE_LISTEN: "127.0.0.1:0",
    STORE_REAPER_INTERVAL_MS: String(o.intervalMs),
    STORE_REAPER_GRACE_MS: String(o.graceMs),
    STORE_REAPER_MIN_AGE_MS: "0",
    // Configuration requires a check deadline below the interval.
    STORE_REAPER_CHECK_TIMEOUT_MS: String(Math.min(STORE_DEFAULTS.REAPER_CHECK_TIMEOUT_MS, Math.floor(o.intervalMs / 2))),
  };
  const log = createLogger("store-service", "error");
  const stores = await Promise.all(Array.from({ length: o.replicas }, () => startStoreService({ config: loadStoreConfig(env), log })));
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const pty = await startPtyChild(stores.map((s) => s.address).join(","));
  try {
    const client = createPtyClient(pty.address);
    const ids: string[] = [];
    try {
      for (let i = 0; i < o.sessions; i++) {
        const r = await callUnary(client, "Spawn", { command: "sleep", args: ["3600"], rows: 24, cols: 80 }, { deadlineMs: 15_000 });
        ids.push(r.sessionId);
      }
    } finally {
      client.close();
    }
    const states = async () => (await sql.query<{ state: string }>("SELECT state FROM sessions WHERE session_id = ANY($1::uuid[])", [ids])).rows.map((r) => r.state);
    while (!(await states()).every((s) => s === "running")) await new Promise((r) => setTimeout(r, POLL_MS));
    // Let the reaper see the node healthy at least once, as in a real deployment.
    while ((await sql.query("SELECT 1 FROM pty_nodes WHERE pty_node = $1 AND last_success_at IS NOT NULL", [pty.address])).rows.length === 0) {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    say(`${o.sessions} sessions running on ${pty.address}; SIGKILL`);
    pty.child.kill("SIGKILL");
    const killedAt = performance.now();
    await pty.exited;
    const deadline = killedAt + o.graceMs + 10 * o.intervalMs + 30_000;
    while (!(await states()).every((s) => s === "lost")) {
      if (performance.now() > deadline) throw new Error("sessions were not marked lost in time");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const ms = performance.now() - killedAt;
    const log = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM reaper_log WHERE session_id = ANY($1::uuid[]) GROUP BY session_id", [ids]);
    return { options: o, ms, boundMs: o.graceMs + 2 * o.intervalMs, transitionsPerSession: log.rows.map((r) => r.n) };
  } finally {
    await pty.stop().catch(() => {});
    await sql.end();
    await Promise.all(stores.map((s) => s.stop(2_000)));
    await cluster.dispose();
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runReaperLatency(
    {
      intervalMs: arg("interval", STORE_DEFAULTS.REAPER_INTERVAL_MS),
      graceMs: arg("grace", STORE_DEFAULTS.REAPER_GRACE_MS),
      replicas: arg("replicas", 3),
      sessions: arg("sessions", 5),
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  process.stdout.write(
    `pty-service SIGKILL -> ${r.options.sessions} sessions lost in ${(r.ms / 1000).toFixed(2)} s ` +
      `(interval ${r.options.intervalMs} ms, grace ${r.options.graceMs} ms, bound ${(r.boundMs / 1000).toFixed(2)} s, ${r.options.replicas} store replicas; ` +
      `transitions per session: ${r.transitionsPerSession.join(",")})\n`,
  );
}
