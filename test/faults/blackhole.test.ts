/**
 * A network blackhole between the pty-service and the store: a TCP proxy in between stops
 * forwarding on its open connections without closing them (no FIN, no RST: nothing gets through).
 * The pty-service's keepalive notices within TRANSPORT's keepalive time plus timeout, it connects
 * again (the proxy forwards new connections), and the history is complete and exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { TRANSPORT } from "@ptykeep/proto";
import { startServices } from "../support/services.js";
import { contiguous, readHistory, rpc, sha256, spawn, waitFor, waitStoredEnd, type System } from "../e2e/helpers.js";
import { Programs } from "../e2e/programs.js";
import { Proxy } from "./proxy.js";

/** Timers and a loaded machine, beyond the keepalive figures. */
const MARGIN_MS = 10_000;
const DETECT_MS = TRANSPORT.KEEPALIVE_TIME_MS + TRANSPORT.KEEPALIVE_TIMEOUT_MS;

let sys: System;
let proxy: Proxy;
let programs: Programs;

beforeAll(async () => {
  sys = await startServices("faults_blackhole", {
    storeAddrForPty: (store) => {
      proxy = new Proxy(store.port);
      return proxy.listen();
    },
  });
  programs = new Programs();
});

afterAll(async () => {
  await sys?.close();
  await proxy?.close();
  programs?.remove();
});

describe("network blackhole between pty-service and store", () => {
  it("is detected by keepalive, the link is made again, and nothing is lost", async () => {
    const part1 = randomBytes(256 * 1024);
    const part2 = randomBytes(256 * 1024);
    const f1 = programs.file("p1.bin", part1);
    const f2 = programs.file("p2.bin", part2);
    // Raw mode: bytes pass unchanged; `read` waits for the newline the test types.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; cat "$0"; read x; cat "$1"', f1, f2], cwd: "/tmp" });
    await waitFor("the first part stored", async () => (await readHistory(sys, sessionId)).bytes.length === part1.length);

    const connectionsBefore = proxy.connections;
    proxy.blackhole();
    const blackholedAt = Date.now();
    await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("\n") });

    const ended = await waitStoredEnd(sys, sessionId, DETECT_MS + MARGIN_MS + 15_000);
    const elapsed = Date.now() - blackholedAt;
    expect(ended.exitCode).toBe(0);
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(elapsed).toBeLessThan(DETECT_MS + MARGIN_MS);
    // Nothing got through the blackhole: the rest arrived only after a keepalive ping went unanswered.
    expect(elapsed).toBeGreaterThanOrEqual(TRANSPORT.KEEPALIVE_TIMEOUT_MS);
    const h = await readHistory(sys, sessionId);
    expect(sha256(contiguous(h.chunks))).toBe(sha256(Buffer.concat([part1, part2])));
  }, 90_000);
});
