/**
 * The sessions this pty-service hosts, by id. A call that needs the session on this node looks it
 * up with getOrThrow (NOT_FOUND). `get` is for callers to whom a session not hosted here is an
 * answer, not an error: Spawn (is the id taken?), CheckLiveness (UNKNOWN), Attach (replay it from
 * the store) and Interact (it says why it cannot take input).
 * An ended session stays known for a retention period, so CheckLiveness can still answer
 * "exited" and Attach can still replay it, then removes itself.
 */
import { notFound, resourceExhausted } from "@ptykeep/proto";
import { TUNING } from "./config.js";
import type { SessionActor } from "./session-actor.js";

export interface SessionRegistryOptions {
  maxSessions: number;
  endedRetentionMs: number;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, SessionActor>();
  /** Ended sessions in the order they ended, with their removal timers. */
  private readonly endedTimers = new Map<string, NodeJS.Timeout>();
  private live = 0;

  constructor(private readonly opts: SessionRegistryOptions) {}

  /** The session, or undefined when this node does not host it. */
  get(id: string): SessionActor | undefined {
    return this.sessions.get(id);
  }

  /** The session; NOT_FOUND when this node does not host it. */
  getOrThrow(id: string): SessionActor {
    const actor = this.sessions.get(id);
    if (!actor) throw notFound(`session ${id} is not hosted by this pty-service (unknown, or ended more than ${Math.round(this.opts.endedRetentionMs / 1000)} s ago)`);
    return actor;
  }

  /** Sessions not yet ended. */
  get liveCount(): number {
    return this.live;
  }

  all(): SessionActor[] {
    return [...this.sessions.values()];
  }

  /** Adds a new session, refusing past the session limit. */
  add(actor: SessionActor): void {
    if (this.live >= this.opts.maxSessions) {
      throw resourceExhausted(`this pty-service already runs ${this.live} sessions, its limit (PTY_MAX_SESSIONS); end one or use another node`);
    }
    this.sessions.set(actor.id, actor);
    this.live++;
  }

  /** Forgets a session that never started (its spawn failed). */
  discard(actor: SessionActor): void {
    if (this.sessions.get(actor.id) !== actor) return;
    this.sessions.delete(actor.id);
    this.live--;
  }

  /** Called by a session when it has ended: keep it for the retention period, then forget it. */
  ended(actor: SessionActor): void {
    if (this.sessions.get(actor.id) !== actor) return;
    this.live--;
    const timer = setTimeout(() => this.remove(actor.id), this.opts.endedRetentionMs);
    timer.unref();
    this.endedTimers.set(actor.id, timer);
    // Bound the number of ended sessions remembered: forget the oldest first.
    while (this.endedTimers.size > TUNING.MAX_ENDED_SESSIONS) {
      const oldest = this.endedTimers.keys().next().value as string;
      this.remove(oldest);
    }
  }

  /** Stops the removal timers (shutdown). */
  clear(): void {
    for (const timer of this.endedTimers.values()) clearTimeout(timer);
    this.endedTimers.clear();
    this.sessions.clear();
    this.live = 0;
  }

  private remove(id: string): void {
    clearTimeout(this.endedTimers.get(id));
    this.endedTimers.delete(id);
    this.sessions.delete(id);
  }
}
