/**
 * A session this pty-service no longer knows (ended and forgotten, or hosted elsewhere) can still
 * be replayed through Attach: the store's history, then its exit event. Its output bytes stay
 * counted in the pty-service's metrics although no scrape saw it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type PtyApi } from "@ptykeep/proto";
import { attach, contiguous, rpc, spawn, startSystem, waitFor, waitStoredEnd, type System } from "./helpers.js";
import { Programs } from "./programs.js";

let sys: System;
const programs = new Programs();

beforeAll(async () => {
  sys = await startSystem("e2e_forgotten", { ptyEnv: { PTY_ENDED_RETENTION_MS: "0" } });
});

afterAll(async () => {
  await sys?.close();
  programs.remove();
});

describe("attach to a session this node does not host", () => {
  it("replays the store's history and the exit", async () => {
    const n = 5_000;
    const { sessionId } = await spawn(sys, programs.counter(n, 1000, 0));
    await waitStoredEnd(sys, sessionId);
    await waitFor("forgotten", async () => {
      const res = await rpc<PtyApi.CheckLivenessResponse__Output>(sys.ptyClient, "CheckLiveness", { sessionIds: [sessionId] });
      return res.sessions[0]?.liveness === "LIVENESS_UNKNOWN";
    });
    const run = attach(sys, { sessionId, fromSeq: 0 });
    expect((await run.done).code).toBe(Code.OK);
    expect(run.events[0]?.start?.fromSeq).toBe(1);
    expect(contiguous(run.chunks).equals(Programs.counterOutput(n))).toBe(true);
    expect(run.events.at(-1)?.exit?.state).toBe("SESSION_STATE_EXITED");
    // No live output can come from here.
    expect((await attach(sys, { sessionId, liveOnly: true }).done).code).toBe(Code.NOT_FOUND);
  });
});

describe("metrics of a session forgotten before any scrape", () => {
  it("count all of its output bytes, produced and durable", async () => {
    const registry = sys.pty.metrics.registry;
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
    const before = { output: await value("ptykeep_pty_output_bytes_total"), durable: await value("ptykeep_pty_durable_bytes_total") };
    const n = 5_000;
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", `printf '%${n}s' ''`] });
    await waitStoredEnd(sys, sessionId);
    await waitFor("forgotten", async () => {
      const res = await rpc<PtyApi.CheckLivenessResponse__Output>(sys.ptyClient, "CheckLiveness", { sessionIds: [sessionId] });
      return res.sessions[0]?.liveness === "LIVENESS_UNKNOWN";
    });
    expect((await value("ptykeep_pty_output_bytes_total")) - before.output).toBe(n);
    expect((await value("ptykeep_pty_durable_bytes_total")) - before.durable).toBe(n);
  });
});
