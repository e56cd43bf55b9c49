/**
 * Credit-based flow control shared by all sessions of one pty-service.
 *
 * Each session counts its output not yet acknowledged as durable by the store. Above its own
 * high-water mark, or while all sessions together are above the global mark, a session pauses
 * its PTY (the program then blocks in write()); it resumes below its low-water mark once the
 * global total is back under the global low-water mark. Nothing is dropped: memory stays bounded
 * by the marks plus what is in flight when a pause takes effect.
 */
export interface FlowLimits {
  sessionHighWaterBytes: number;
  sessionLowWaterBytes: number;
  totalHighWaterBytes: number;
}

export interface FlowParticipant {
  /** Called when the budget has room again; the participant re-checks and may resume. */
  onGlobalRelief(): void;
}

export class FlowBudget {
  private total = 0;
  private readonly waiting = new Set<FlowParticipant>();

  constructor(readonly limits: FlowLimits) {}

  get unackedBytes(): number {
    return this.total;
  }

  add(bytes: number): void {
    this.total += bytes;
  }

  release(bytes: number): void {
    this.total -= bytes;
    if (this.waiting.size > 0 && !this.overGlobalLowWater()) {
      const relieved = [...this.waiting];
      this.waiting.clear();
      for (const p of relieved) p.onGlobalRelief();
    }
  }

  /** Should a session holding `sessionBytes` unacknowledged pause now? */
  shouldPause(sessionBytes: number, participant: FlowParticipant): boolean {
    if (sessionBytes > this.limits.sessionHighWaterBytes) return true;
    if (this.total > this.limits.totalHighWaterBytes) {
      this.waiting.add(participant);
      return true;
    }
    return false;
  }

  /** May a paused session holding `sessionBytes` resume now? */
  mayResume(sessionBytes: number, participant: FlowParticipant): boolean {
    if (sessionBytes > this.limits.sessionLowWaterBytes) return false;
    if (this.overGlobalLowWater()) {
      this.waiting.add(participant);
      return false;
    }
    return true;
  }

  forget(participant: FlowParticipant): void {
    this.waiting.delete(participant);
  }

  /** The global low-water mark is half the global high-water mark. */
  private overGlobalLowWater(): boolean {
    return this.total > this.limits.totalHighWaterBytes / 2;
  }
}

/**
 * One session's side of flow control: whether its PTY is paused. It pauses once the session's
 * unacknowledged credit (or the total) is above the marks, and resumes once back under the
 * low-water marks, or at once when the session has ended (nothing is read from it any more).
 */
export class SessionFlow {
  private pausedNow = false;

  constructor(
    private readonly budget: FlowBudget,
    private readonly participant: FlowParticipant,
  ) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  /** After output was counted in the budget: true when the PTY must pause now (once). */
  pauseNow(unackedCredit: number): boolean {
    if (this.pausedNow || !this.budget.shouldPause(unackedCredit, this.participant)) return false;
    this.pausedNow = true;
    return true;
  }

  /** After credit was released, or the budget has room again: true when a paused PTY resumes now. */
  resumeNow(unackedCredit: number, ended: boolean): boolean {
    if (!this.pausedNow) return false;
    if (!ended && !this.budget.mayResume(unackedCredit, this.participant)) return false;
    this.pausedNow = false;
    return true;
  }

  /** The session has ended and its PTY is gone: it waits for nothing any more. */
  end(): void {
    this.budget.forget(this.participant);
    this.pausedNow = false;
  }
}
