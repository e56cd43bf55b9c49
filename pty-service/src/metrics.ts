/**
 * The pty-service's Prometheus metrics: output bytes read from programs' terminals and made
 * durable by the store, counted where each happens (the session actor calls PtyOutputCounters),
 * and sessions, pauses, ack lag, viewers and the store link, read at scrape time. What every
 * service has (process metrics, gRPC calls) and the /metrics endpoint are in @ptykeep/proto's
 * ServiceMetrics.
 */
import { Counter } from "prom-client";
import { SESSION_STATES, ServiceMetrics } from "@ptykeep/proto";

export interface PtySessionSample {
  /** Lower-case state: starting, running, exited, killed. */
  state: string;
  paused: boolean;
  /** Chunks produced and not yet acknowledged by the store. */
  unackedChunks: number;
  viewers: number;
}

export interface PtySources {
  sessions: () => PtySessionSample[];
  /** Unacknowledged output held for the store, all sessions together (flow-control accounting). */
  unackedBytes: () => number;
  /** Whether the AppendOutput stream to the store is open. */
  storeConnected: () => boolean;
}

/** Where a session counts its output as it happens (PtyMetrics is one). */
export interface PtyOutputCounters {
  /** `bytes` of output read from a program's terminal, cut into chunks. */
  produced(bytes: number): void;
  /** `bytes` of output the store acknowledged as durable. */
  durable(bytes: number): void;
}

export class PtyMetrics extends ServiceMetrics implements PtyOutputCounters {
  private readonly outputBytes: Counter;
  private readonly durableBytes: Counter;

  constructor(opts: { service?: string; processMetrics?: boolean } = {}) {
    super({ service: opts.service ?? "pty-service", processMetrics: opts.processMetrics });
    const r = [this.registry];
    this.outputBytes = new Counter({ name: "ptykeep_pty_output_bytes_total", help: "Output bytes read from programs' terminals.", registers: r });
    this.durableBytes = new Counter({ name: "ptykeep_pty_durable_bytes_total", help: "Output bytes the store acknowledged as durable.", registers: r });
  }

  produced(bytes: number): void {
    this.outputBytes.inc(bytes);
  }

  durable(bytes: number): void {
    this.durableBytes.inc(bytes);
  }

  /** Wires the values read at scrape time (call once, from the service's start-up). */
  setSources(sources: PtySources): void {
    let snapshot: PtySessionSample[] = [];
    let takenAt = -1;
    const sample = () => {
      // All collectors of one scrape share one walk over the sessions.
      const now = Date.now();
      if (now !== takenAt) {
        snapshot = sources.sessions();
        takenAt = now;
      }
      return snapshot;
    };
    const STATES: string[] = SESSION_STATES.filter((s) => s !== "lost");
    this.sourcedGauge<"state">({
      name: "ptykeep_pty_sessions",
      help: "Sessions this pty-service hosts, by state (ended ones are kept for PTY_ENDED_RETENTION_MS).",
      labelNames: ["state"],
      read: () => {
        const counts = new Map(STATES.map((s) => [s, 0]));
        for (const s of sample()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
        return [...counts].map(([state, value]) => ({ labels: { state }, value }));
      },
    });
    this.sourcedGauge({ name: "ptykeep_pty_paused_sessions", help: "Sessions whose terminal is paused waiting for the store to catch up.", read: () => sample().filter((s) => s.paused).length });
    this.sourcedGauge({ name: "ptykeep_pty_unacked_bytes", help: "Output held for the store and not yet acknowledged (ack lag in bytes, flow-control accounting).", read: sources.unackedBytes });
    this.sourcedGauge({ name: "ptykeep_pty_unacked_chunks", help: "Output chunks not yet acknowledged by the store, all sessions together (ack lag in chunks).", read: () => sample().reduce((n, s) => n + s.unackedChunks, 0) });
    this.sourcedGauge({ name: "ptykeep_pty_viewers", help: "Attach streams open.", read: () => sample().reduce((n, s) => n + s.viewers, 0) });
    this.sourcedGauge({ name: "ptykeep_pty_store_connected", help: "1 while the output stream to the store is open.", read: () => (sources.storeConnected() ? 1 : 0) });
  }
}
