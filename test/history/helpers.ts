/**
 * Helpers for the history tests (compaction, retention, reaper): a store on a fresh database with
 * its own background jobs off (tests drive a Compactor or Reaper themselves), a pool for them,
 * deterministic output with microsecond timestamps, and exact comparisons of replays.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createLogger, uuidv7, type StoreApi } from "@ptykeep/proto";
import { createPool } from "../../store-service/src/db/pool.js";
import { COMPACTOR_TUNING, Compactor, type CompactorOptions } from "../../store-service/src/compactor.js";
import { AppendStream, readHistory, register, startStoreFixture, unaryCall } from "../store/helpers.js";
import { mulberry32 } from "../support/rng.js";

export { AppendStream, readHistory, register, unaryCall };

export const log = createLogger("test");

export type HistoryFixture = Awaited<ReturnType<typeof startHistoryFixture>>;

/** dbUrl: a database made by the caller (e.g. on another PostgreSQL server); a fresh one by default. */
export async function startHistoryFixture(prefix: string, env: Record<string, string> = {}, dbUrl?: string) {
  const fx = await startStoreFixture(prefix, { STORE_COMPACTOR: "off", STORE_REAPER: "off", ...env }, dbUrl);
  const pool = createPool({ databaseUrl: fx.dbUrl, max: 8, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, log, applicationName: "history-test" });
  return {
    ...fx,
    pool,
    compactor(opts: Partial<CompactorOptions> = {}) {
      return new Compactor({ pool, log, compactAfterMs: 0, retentionBytes: 0, retentionMaxAgeMs: 0, segmentRawBytes: 64 * 1024, ...opts });
    },
    async query<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
      return (await pool.query<T>(text, values)).rows;
    },
    async shutdown() {
      await pool.end();
      await fx.close();
      await fx.dropDb();
    },
  };
}

/**
 * `count` chunks of terminal-like output (coloured lines, `\r` redraws) mixed with random binary
 * pieces, of sizes from 1 byte to ~40 KB.
 */
export function outputPieces(count: number, seed: number): Buffer[] {
  const r = mulberry32(seed);
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r();
    if (kind < 0.15) {
      pieces.push(Buffer.from([Math.floor(r() * 256)]));
    } else if (kind < 0.3) {
      const b = Buffer.alloc(1 + Math.floor(r() * 20_000));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(r() * 256);
      pieces.push(b);
    } else {
      const lines: string[] = [];
      const n = 1 + Math.floor(r() * 200);
      for (let j = 0; j < n; j++) lines.push(`\x1b[3${j % 8}m[${i}:${j}]\x1b[0m building module ${Math.floor(r() * 1000)} \r progress ${Math.floor(r() * 100)}%\r\n`);
      pieces.push(Buffer.from(lines.join("")));
    }
  }
  return pieces;
}

/**
 * Appends pieces as chunks firstSeq.. with timestamps in microseconds (distinct sub-millisecond
 * parts, so a segment that kept only milliseconds would show), and waits for the ack.
 */
export async function appendPieces(fx: { client: Parameters<typeof register>[0] }, sessionId: string, pieces: Buffer[], p: { firstSeq?: number; firstOffset?: number; baseUs?: number } = {}) {
  const firstSeq = p.firstSeq ?? 1;
  let offset = p.firstOffset ?? 0;
  // Default: the whole run lies in the past (an hour before now), so it is cold.
  const baseUs = p.baseUs ?? Date.now() * 1000 - 3_600_000_000 - (firstSeq + pieces.length) * 1_234_567;
  const s = new AppendStream(fx.client);
  s.write(
    pieces.map((data, i) => {
      const seq = firstSeq + i;
      const us = baseUs + seq * 1_234_567 + (seq % 997);
      const chunk = { sessionId, seq, offset, ts: { seconds: Math.floor(us / 1e6), nanos: (us % 1e6) * 1000 }, data };
      offset += data.length;
      return { chunk };
    }),
  );
  await s.untilAcked(sessionId, firstSeq + pieces.length - 1, 30_000);
  s.close();
  return { nextOffset: offset };
}

export async function newSession(fx: { client: Parameters<typeof register>[0] }, ptyNode = "127.0.0.1:1"): Promise<string> {
  const sessionId = uuidv7();
  await register(fx.client, { sessionId, ptyNode });
  return sessionId;
}

/** The output events of a replay as comparable values (seq, offset, µs timestamp, bytes). */
export function outputs(events: StoreApi.ReadHistoryResponse__Output[]) {
  return events
    .filter((e) => e.output)
    .map((e) => {
      const o = e.output!;
      return { seq: o.seq, offset: o.offset, tsUs: Number(o.ts!.seconds) * 1e6 + Math.round(o.ts!.nanos / 1000), hex: o.data.toString("hex") };
    });
}

export function expectedOutputs(pieces: Buffer[], p: { firstSeq?: number; firstOffset?: number } = {}) {
  let offset = p.firstOffset ?? 0;
  return pieces.map((data, i) => {
    const r = { seq: (p.firstSeq ?? 1) + i, offset, hex: data.toString("hex") };
    offset += data.length;
    return r;
  });
}

/** Segments of a session in order, and a check that they and the raw rows tile 1..n exactly. */
export async function layout(fx: HistoryFixture, sessionId: string) {
  const segments = await fx.query<{ first_seq: number; last_seq: number; first_offset: number; byte_length: number; codec: string; stored: number }>(
    "SELECT first_seq, last_seq, first_offset, byte_length, codec, octet_length(data)::bigint AS stored FROM output_segments WHERE session_id = $1 ORDER BY first_seq",
    [sessionId],
  );
  const rows = await fx.query<{ seq: number }>("SELECT seq FROM output_chunks WHERE session_id = $1 ORDER BY seq", [sessionId]);
  const seqs: number[] = [];
  for (const g of segments) for (let s = g.first_seq; s <= g.last_seq; s++) seqs.push(s);
  for (const r of rows) seqs.push(r.seq);
  return { segments, rawRows: rows.length, seqs };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Runs `script` (a file of the repo, through tsx) which prints a line per step and pauses after
 * each, and SIGKILLs it at the nth line starting with `linePrefix`, so the kill lands inside that
 * step; resolves with what it printed. `name` and `step` say in failures which child did not get
 * there.
 */
export function runUntilKilled(opts: { script: string; env: Record<string, string>; name: string; step: string; linePrefix: string; nth: number; timeoutMs: number }): Promise<string[]> {
  const { name, step, linePrefix, nth } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, opts.script)], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: string[] = [];
    let seen = 0;
    let buffered = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not reach ${step} #${nth}: ${lines.slice(-5).join(" | ")}`));
    }, opts.timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString("utf8");
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith(linePrefix) && ++seen === nth) child.kill("SIGKILL");
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(lines);
      else reject(new Error(`${name} exited (${code}) before the kill: ${lines.slice(-5).join(" | ")}`));
    });
  });
}

/**
 * Waits until no session lock (the compactor's and the snapshot job's advisory lock) is held: after
 * a process holding one was killed, the server notices the dropped connection, rolls its
 * transaction back and releases the lock. Throws `stillHeld` after 10 s.
 */
/**
 * The session locks (compactor, retention, snapshot job) held in the fixture's database. pg_locks
 * is the whole server's: other test files' jobs lock sessions of their own databases meanwhile.
 */
export function sessionLocksHeld(fx: HistoryFixture): Promise<unknown[]> {
  return fx.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", [COMPACTOR_TUNING.SESSION_LOCK_CLASS]);
}

export async function untilSessionLocksReleased(fx: HistoryFixture, stillHeld: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await sessionLocksHeld(fx)).length > 0) {
    if (Date.now() > deadline) throw new Error(stillHeld);
    await new Promise((r) => setTimeout(r, 20));
  }
}
