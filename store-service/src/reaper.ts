/**
 * Reaper: finds sessions the store believes alive whose pty-service no longer runs them, and
 * marks them `lost`; and revises that verdict when such a pty-service answers again.
 *
 * A pass takes the sessions in starting/running older than STORE_REAPER_MIN_AGE_MS (a session
 * is legitimately "starting" for a moment before its pty-service confirms it), groups them by
 * owning pty node and asks each node CheckLiveness once (in batches of the request limit):
 * - UNKNOWN (the node does not host it: it restarted or lost it) → lost at once;
 * - EXITED while the store has no end record → lost once it has been reported so for the grace
 *   period (the pty-service may still be sending that record, and a late record wins anyway);
 * - the node cannot be reached → it is *unknown*, not dead: the first failure time is kept in
 *   pty_nodes, and its sessions are lost only after STORE_REAPER_GRACE_MS of failed checks.
 *   Such a verdict opens an unreachable interval (sql/unreachable.ts) at the session's output
 *   position, unless the session's output arrived within the grace (then it is not silent).
 *
 * Lost is a verdict that can be revised. A session lost because its node could not be reached
 * is asked about again, with the alive sessions of the same pass, for STORE_REAPER_RECHECK_MS
 * after it was lost (a partition or a stopped process heals within that, or it is a dead node,
 * which must not be called for ever): RUNNING → running again, its interval closed as
 * recovered; UNKNOWN or EXITED → it stays lost with what the node said, interval closed as
 * gone. Output arriving from a lost session revives it as well (batch-writer.ts), as does its
 * end record (sessions.ts), at any time.
 *
 * Timing: passes start one interval apart (periodic.ts) and a check takes at most
 * STORE_REAPER_CHECK_TIMEOUT_MS, which configuration keeps below the interval; so checks of an
 * unreachable node come one interval apart and its sessions are lost within grace + one interval
 * of its first failed check. Nodes with alive sessions are checked first; re-checks of nodes
 * with only lost sessions take the remaining concurrency, each bounded by the check deadline
 * and by STORE_REAPER_RECHECK_MS in all.
 *
 * Several replicas: only the holder of the "reaper" lease (store_leases) runs a pass, so nodes
 * are not checked by every replica (no thundering herd). The lease's token grows at every change
 * of holder and each transition checks it, share-locking the lease row, in its own transaction:
 * a holder that lost the lease mid-pass changes nothing. The transition itself only applies to
 * rows still in the state it starts from under their row lock, so a session becomes lost once,
 * and every transition to lost is logged in reaper_log.
 *
 * Both tables of the reaper's own stay bounded: the lease holder, at its first pass and then
 * every PRUNE_EVERY_MS, deletes the pty_nodes rows of nodes that host no starting/running
 * session and no lost session still being re-checked (nothing checks them), and the reaper_log
 * entries older than LOG_KEEP_MS (the session row keeps its `lost` state and end reason for as
 * long as the session is kept).
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { callUnary, Code, createPtyClient, validate, type ClientOptions, type Logger, type PtyApi, type PtyServiceClient } from "@ptykeep/proto";
import type { StoreConfig } from "./config.js";
import type { StoreMetrics } from "./metrics.js";
import { withTransaction } from "./db/pool.js";
import * as sql from "./sql/reaper.js";
import * as intervals from "./sql/unreachable.js";

/** Tuning that is not configuration, each with its reason. */
export const REAPER_TUNING = Object.freeze({
  LEASE_NAME: "reaper",
  /**
   * The lease outlives a few missed renewals, so one slow pass does not hand it over, yet a dead
   * holder is replaced within a few intervals (plus one check deadline for the pass in flight).
   */
  LEASE_TTL_INTERVALS: 3,
  /**
   * Checks come one interval apart, so the check that completes the grace period finds the node
   * failing for the grace give or take scheduling jitter (measured: 59.99 s of a 60 s grace).
   * Counting a run within this share of an interval of the grace as complete keeps jitter from
   * adding a whole interval: sessions are lost within grace + one interval of the first failed
   * check, never earlier than grace - interval/4.
   */
  GRACE_JITTER_SHARE_OF_INTERVAL: 0.25,
  /** Nodes checked at once: one unreachable node waiting out its deadline does not delay the rest. */
  NODE_CONCURRENCY: 16,
  /** Session ids per CheckLiveness call: the request limit both services enforce. */
  IDS_PER_CALL: validate.REQUEST_LIMITS.MAX_IDS_PER_CALL,
  /**
   * How long reaper_log keeps an entry: long enough to look into an incident (or a replica
   * misbehaving) weeks later; older entries only repeat what their session row still says.
   */
  LOG_KEEP_MS: 30 * 24 * 3600_000,
  /** Pruning runs at most this often: reaper_log has no index on its time, so a prune scans it. */
  PRUNE_EVERY_MS: 3600_000,
});

export interface ReaperOptions {
  pool: pg.Pool;
  log: Logger;
  intervalMs: number;
  graceMs: number;
  minAgeMs: number;
  checkTimeoutMs: number;
  /** How long after being lost as unreachable a session's node is asked about it again (STORE_REAPER_RECHECK_MS). */
  recheckMs: number;
  /** Credentials for calling pty-services (TLS, token). */
  ptyClient?: ClientOptions;
  /** Prometheus counters of this process, updated after each pass it leads. */
  metrics?: StoreMetrics;
  /** Identifies this process in the lease and the log; a fresh UUID by default. */
  holderId?: string;
}

/** What the store's configuration sets of a reaper (STORE_REAPER_*, and how it calls pty-services). */
export function reaperSettings(config: StoreConfig): Pick<ReaperOptions, "ptyClient" | "intervalMs" | "graceMs" | "minAgeMs" | "checkTimeoutMs" | "recheckMs"> {
  return {
    ptyClient: config.ptyClient,
    intervalMs: config.reaperIntervalMs,
    graceMs: config.reaperGraceMs,
    minAgeMs: config.reaperMinAgeMs,
    checkTimeoutMs: config.reaperCheckTimeoutMs,
    recheckMs: config.reaperRecheckMs,
  };
}

export interface ReaperStats {
  /** Passes run as lease holder. */
  passes: number;
  /** Passes skipped because another replica holds the lease. */
  passesWithoutLease: number;
  nodeChecks: number;
  nodeCheckFailures: number;
  sessionsLost: number;
  /** Lost sessions whose node answered RUNNING again. */
  sessionsRecovered: number;
}

export interface ReapResult {
  /** False: another replica holds the lease; nothing was checked. */
  leader: boolean;
  nodes: number;
  sessions: number;
  lost: number;
  /** Lost sessions found running again. */
  recovered: number;
}

/** A node's sessions in one pass: those the store believes alive, and lost ones to ask about again. */
interface NodeSessions {
  alive: string[];
  lost: string[];
}

/**
 * Why a CheckLiveness call failed, in a few words for people; the raw gRPC error (often long,
 * repeated, with resolver notes) goes to the log.
 */
export function describeCheckFailure(err: unknown, timeoutMs: number): string {
  const e = err as { code?: number; details?: string; message?: string };
  const text = `${e.details ?? ""} ${e.message ?? ""}`;
  if (e.code === Code.DEADLINE_EXCEEDED) return `no answer within ${timeoutMs} ms`;
  if (/ECONNREFUSED|connection refused/i.test(text)) return "connection refused";
  if (/ECONNRESET|connection reset/i.test(text)) return "connection reset";
  if (/EHOSTUNREACH|host unreachable/i.test(text)) return "host unreachable";
  if (/ENETUNREACH|network unreachable/i.test(text)) return "network unreachable";
  if (/ETIMEDOUT|timed out/i.test(text)) return "connection timed out";
  if (/ENOTFOUND|EAI_AGAIN|name resolution|DNS resolution/i.test(text)) return "its name does not resolve";
  if (/certificate|handshake|SSL|TLS/i.test(text)) return "the TLS handshake failed";
  if (e.code === Code.UNAUTHENTICATED || e.code === Code.PERMISSION_DENIED) return "it refuses the reaper's credentials (STORE_PTY_TOKEN)";
  const name = e.code === undefined ? undefined : Code[e.code];
  return name ? `the call failed (${name})` : "the call failed";
}

/** This replica's lease ended while a pass was acting on it. */
class LeaseLostError extends Error {}

export class Reaper {
  readonly holderId: string;
  readonly stats: ReaperStats = { passes: 0, passesWithoutLease: 0, nodeChecks: 0, nodeCheckFailures: 0, sessionsLost: 0, sessionsRecovered: 0 };
  private readonly clients = new Map<string, PtyServiceClient>();
  private lease: sql.Lease | undefined;
  /** When this replica last pruned (0: not yet, so its first pass as holder does). */
  private prunedAt = 0;

  constructor(private readonly opts: ReaperOptions) {
    this.holderId = opts.holderId ?? randomUUID();
  }

  private get leaseTtlMs(): number {
    return this.opts.intervalMs * REAPER_TUNING.LEASE_TTL_INTERVALS + this.opts.checkTimeoutMs;
  }

  async runOnce(signal: AbortSignal = new AbortController().signal): Promise<ReapResult> {
    const { pool } = this.opts;
    const started = process.hrtime.bigint();
    this.lease = await sql.acquireLease(pool, { name: REAPER_TUNING.LEASE_NAME, holder: this.holderId, ttlMs: this.leaseTtlMs });
    if (!this.lease) {
      this.stats.passesWithoutLease++;
      this.closeClients(new Set());
      return { leader: false, nodes: 0, sessions: 0, lost: 0, recovered: 0 };
    }
    const lease = this.lease;
    const alive = await sql.aliveSessions(pool, { minAgeMs: this.opts.minAgeMs });
    const recheck = await intervals.sessionsToRecheck(pool);
    const byNode = new Map<string, NodeSessions>();
    const entry = (node: string) => {
      let e = byNode.get(node);
      if (!e) byNode.set(node, (e = { alive: [], lost: [] }));
      return e;
    };
    for (const s of alive) entry(s.pty_node).alive.push(s.session_id);
    for (const s of recheck) entry(s.pty_node).lost.push(s.session_id);
    const running: string[] = [];
    let lost = 0;
    let recovered = 0;
    let unreachable = 0;
    // Nodes with alive sessions first: the timing promise is about them, re-checks come after.
    const nodes = [...byNode.entries()].sort(([, a], [, b]) => Number(b.alive.length > 0) - Number(a.alive.length > 0));
    try {
      await forEachLimited(nodes, REAPER_TUNING.NODE_CONCURRENCY, async ([node, ids]) => {
        const r = await this.checkNode(node, ids, lease, signal);
        running.push(...r.running);
        lost += r.lost;
        recovered += r.recovered;
        if (!r.reached) unreachable++;
      });
    } catch (err) {
      if (!(err instanceof LeaseLostError)) throw err;
      this.opts.log.warn({ holder: this.holderId }, "reaper lease lost during a pass; another replica takes over");
    }
    await sql.clearSuspects(pool, running);
    if (Date.now() - this.prunedAt >= REAPER_TUNING.PRUNE_EVERY_MS) await this.prune();
    this.closeClients(new Set(byNode.keys()));
    this.stats.passes++;
    this.stats.sessionsLost += lost;
    this.stats.sessionsRecovered += recovered;
    this.opts.metrics?.reaped({ checked: alive.length + recheck.length, lost, recovered, unreachableNodes: unreachable, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    return { leader: true, nodes: nodes.length, sessions: alive.length, lost, recovered };
  }

  /** Closes the pty clients and gives the lease up so another replica takes over at once. */
  async close(): Promise<void> {
    this.closeClients(new Set());
    const lease = this.lease;
    this.lease = undefined;
    if (lease) await sql.releaseLease(this.opts.pool, lease).catch((err: unknown) => this.opts.log.warn({ err }, "could not release the reaper lease; it expires on its own"));
  }

  private async prune(): Promise<void> {
    const nodes = await sql.pruneNodes(this.opts.pool);
    const entries = await sql.pruneLog(this.opts.pool, { keepMs: REAPER_TUNING.LOG_KEEP_MS });
    this.prunedAt = Date.now();
    if (nodes + entries > 0) this.opts.log.info({ nodes, reaperLogEntries: entries }, "pruned the reaper's records");
  }

  private async checkNode(node: string, sessions: NodeSessions, lease: sql.Lease, signal: AbortSignal): Promise<{ reached: boolean; running: string[]; lost: number; recovered: number }> {
    const { pool, log } = this.opts;
    this.stats.nodeChecks++;
    const ids = [...sessions.alive, ...sessions.lost];
    const answers = new Map<string, PtyApi.Liveness>();
    try {
      const client = this.client(node);
      for (let at = 0; at < ids.length; at += REAPER_TUNING.IDS_PER_CALL) {
        const res = await callUnary(client, "CheckLiveness", { sessionIds: ids.slice(at, at + REAPER_TUNING.IDS_PER_CALL) }, { deadlineMs: this.opts.checkTimeoutMs, signal });
        for (const s of res.sessions) answers.set(s.sessionId, s.liveness);
      }
    } catch (err) {
      signal.throwIfAborted();
      this.stats.nodeCheckFailures++;
      // A fresh channel at the next check: grpc-js would otherwise fail calls at once during its
      // reconnect backoff (up to minutes), and a node that came back would be seen that late.
      this.dropClient(node);
      const message = err instanceof Error ? err.message : String(err);
      const failingMs = await sql.nodeUnreachable(pool, {
        node,
        error: message,
        staleAfterMs: Math.max(this.opts.graceMs, this.opts.intervalMs * REAPER_TUNING.LEASE_TTL_INTERVALS),
      });
      // The raw error goes to the log; the session's reason is one sentence for people.
      log.warn({ node, failingMs, err: message }, "pty-service did not answer CheckLiveness");
      const graceOver = failingMs >= this.opts.graceMs - this.opts.intervalMs * REAPER_TUNING.GRACE_JITTER_SHARE_OF_INTERVAL;
      if (!graceOver || sessions.alive.length === 0) return { reached: false, running: [], lost: 0, recovered: 0 };
      const reason = `pty-service ${node} unreachable for ${Math.round(failingMs / 1000)} s: ${describeCheckFailure(err, this.opts.checkTimeoutMs)}`;
      const lost = await this.markLost(sessions.alive, reason, lease, { unreachable: true });
      return { reached: false, running: [], lost, recovered: 0 };
    }
    await sql.nodeReachable(pool, node);
    const unknown: string[] = [];
    const exited: string[] = [];
    const running: string[] = [];
    for (const id of sessions.alive) {
      const l = answers.get(id);
      if (l === "LIVENESS_RUNNING") running.push(id);
      else if (l === "LIVENESS_EXITED") exited.push(id);
      else unknown.push(id); // not in the answer, UNKNOWN, or a value this version does not know
    }
    let lost = 0;
    if (unknown.length > 0) lost += await this.markLost(unknown, `pty-service ${node} no longer knows the session (restarted or lost it)`, lease);
    const overdue = await sql.suspectsPastGrace(pool, { sessionIds: exited, graceMs: this.opts.graceMs });
    if (overdue.length > 0) lost += await this.markLost(overdue, `pty-service ${node} reports the program exited, but its end was never recorded`, lease);

    // Sessions lost while the node could not be reached: what does it say now?
    const back = sessions.lost.filter((id) => answers.get(id) === "LIVENESS_RUNNING");
    const gone = sessions.lost.filter((id) => answers.get(id) !== "LIVENESS_RUNNING" && answers.get(id) !== "LIVENESS_EXITED");
    const ended = sessions.lost.filter((id) => answers.get(id) === "LIVENESS_EXITED");
    const recovered = await this.recover(node, back, lease);
    if (gone.length > 0) await this.settleLost(gone, `pty-service ${node} came back without the session (it restarted or lost it)`, lease);
    if (ended.length > 0) await this.settleLost(ended, `pty-service ${node} came back and reports the program exited, but its end was never recorded`, lease);
    return { reached: true, running, lost, recovered };
  }

  /** One transaction: fencing check, lock the sessions still alive, mark them lost. */
  private async markLost(ids: string[], reason: string, lease: sql.Lease, opts: { unreachable?: boolean } = {}): Promise<number> {
    const locked = await withTransaction(this.opts.pool, async (db) => {
      if (!(await sql.holdsLease(db, lease))) throw new LeaseLostError();
      // A session whose output arrived within the grace is not silent, whatever the checks say
      // (the reaper may be cut off from a node whose output stream still reaches the store).
      const rows = await sql.lockAlive(db, ids, opts.unreachable ? { quietForMs: this.opts.graceMs } : {});
      if (rows.length > 0) await sql.setLost(db, { sessions: rows, reason, lease });
      if (rows.length > 0 && opts.unreachable) await intervals.openIntervals(db, { sessionIds: rows.map((r) => r.session_id), reason, recheckMs: this.opts.recheckMs });
      return rows;
    });
    if (locked.length > 0) this.opts.log.warn({ sessions: locked.length, reason }, "sessions marked lost");
    return locked.length;
  }

  /** Lost sessions whose node answers RUNNING again: running, their intervals closed as recovered. */
  private async recover(node: string, ids: string[], lease: sql.Lease): Promise<number> {
    if (ids.length === 0) return 0;
    const closed = await withTransaction(this.opts.pool, async (db) => {
      if (!(await sql.holdsLease(db, lease))) throw new LeaseLostError();
      return intervals.setRecovered(db, await intervals.lockLost(db, ids));
    });
    for (const c of closed) {
      this.opts.log.info({ sessionId: c.session_id, node, unreachableMs: c.unreachable_ms }, "session running again: its pty-service answers after being unreachable");
    }
    return closed.length;
  }

  /** Lost sessions whose node answered without them: they stay lost, with what it said; no more re-checks. */
  private async settleLost(ids: string[], reason: string, lease: sql.Lease): Promise<void> {
    await withTransaction(this.opts.pool, async (db) => {
      if (!(await sql.holdsLease(db, lease))) throw new LeaseLostError();
      const locked = await intervals.lockLost(db, ids);
      await intervals.setLostReason(db, { sessionIds: locked, reason });
      await intervals.closeIntervals(db, { sessionIds: locked, outcome: "gone" });
    });
    this.opts.log.warn({ sessions: ids.length, reason }, "lost sessions stay lost");
  }

  private client(node: string): PtyServiceClient {
    let c = this.clients.get(node);
    if (!c) {
      c = createPtyClient(node, this.opts.ptyClient);
      this.clients.set(node, c);
    }
    return c;
  }

  private dropClient(node: string): void {
    this.clients.get(node)?.close();
    this.clients.delete(node);
  }

  /** Closes the clients of nodes that no longer host any session the store believes alive. */
  private closeClients(keep: Set<string>): void {
    for (const [node, c] of this.clients) {
      if (keep.has(node)) continue;
      c.close();
      this.clients.delete(node);
    }
  }
}

/** Runs fn over items, `limit` at a time; after a failure no new item starts, and the first failure is thrown once all have stopped. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  });
  await Promise.all(workers);
  if (failed) throw failure;
}
