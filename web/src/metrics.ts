/**
 * Prometheus metrics of the web gateway (served at WEB_METRICS_LISTEN, like the services'):
 * viewers open, output bytes sent to browsers, input bytes typed, reconnects (a socket opened
 * to resume after a seq), flow-control cuts and resumes, logins by outcome, and the output held
 * for browsers (sent, not yet acknowledged), read at scrape time.
 */
import { Counter, Gauge } from "prom-client";
import { ServiceMetrics } from "@ptykeep/proto";

export class WebMetrics extends ServiceMetrics {
  private readonly viewers: Gauge;
  private readonly viewersOpened: Counter;
  private readonly reconnects: Counter;
  private readonly sentBytes: Counter;
  private readonly typedBytes: Counter;
  private readonly cuts: Counter;
  private readonly resumes: Counter;
  private readonly logins: Counter<"outcome">;

  constructor(opts: { processMetrics?: boolean } = {}) {
    super({ service: "web", processMetrics: opts.processMetrics });
    const r = [this.registry];
    this.viewers = new Gauge({ name: "ptykeep_web_viewers", help: "Browser viewers connected (one WebSocket each).", registers: r });
    this.viewersOpened = new Counter({ name: "ptykeep_web_viewers_opened_total", help: "Viewer sockets opened.", registers: r });
    this.reconnects = new Counter({ name: "ptykeep_web_reconnects_total", help: "Viewer sockets opened to resume after a seq the page had rendered (reconnects).", registers: r });
    this.sentBytes = new Counter({ name: "ptykeep_web_output_bytes_total", help: "Output bytes sent to browsers.", registers: r });
    this.typedBytes = new Counter({ name: "ptykeep_web_input_bytes_total", help: "Input bytes typed or pasted by browsers.", registers: r });
    this.cuts = new Counter({ name: "ptykeep_web_flow_cuts_total", help: "Viewer streams cut because the page fell a window behind.", registers: r });
    this.resumes = new Counter({ name: "ptykeep_web_flow_resumes_total", help: "Viewer streams reopened after the page caught up.", registers: r });
    this.logins = new Counter({ name: "ptykeep_web_logins_total", help: "Login attempts by outcome (ok, refused, throttled).", labelNames: ["outcome"], registers: r });
  }

  /** Output held for browsers, read at scrape time. */
  setHeldBytes(read: () => number): void {
    this.sourcedGauge({ name: "ptykeep_web_unacked_bytes", help: "Output sent to browsers and not yet rendered by them, all viewers together.", read });
  }

  viewerOpened(resuming: boolean): void {
    this.viewers.inc();
    this.viewersOpened.inc();
    if (resuming) this.reconnects.inc();
  }

  viewerClosed(): void {
    this.viewers.dec();
  }

  sent(bytes: number): void {
    this.sentBytes.inc(bytes);
  }

  typed(bytes: number): void {
    this.typedBytes.inc(bytes);
  }

  cut(): void {
    this.cuts.inc();
  }

  resumed(): void {
    this.resumes.inc();
  }

  login(outcome: "ok" | "refused" | "throttled"): void {
    this.logins.inc({ outcome });
  }
}
