/** Signal names, and ending a whole terminal session so that nothing of it survives. */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { Code } from "@ptykeep/proto";
import { parseSignal, processesInSession, signalName, terminateSession } from "./signals.js";

describe("signals", () => {
  it("accepts names with or without SIG, in any case, and refuses the rest", () => {
    expect(parseSignal("SIGINT")).toEqual({ name: "SIGINT", number: 2 });
    expect(parseSignal("int")).toEqual({ name: "SIGINT", number: 2 });
    expect(parseSignal("WINCH").name).toBe("SIGWINCH");
    for (const bad of ["", "SIGNOPE", "9", "SIG"]) expect(() => parseSignal(bad)).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT }));
    expect(signalName(9)).toBe("SIGKILL");
  });

  it("ends a session's processes, also those that ignore SIGHUP and SIGTERM or left the process group", async () => {
    // A new session (setsid) whose leader starts a stubborn child in another process group.
    const leader = spawn("/bin/sh", ["-c", 'trap "" HUP TERM; set -m; (trap "" HUP TERM; sleep 1000) & (trap "" HUP TERM; sleep 1000) & wait'], { detached: true, stdio: "ignore" });
    const exited = new Promise((resolve) => leader.on("exit", resolve));
    const sid = leader.pid!;
    const deadline = Date.now() + 5_000;
    while (processesInSession(sid).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(processesInSession(sid).length).toBe(3);
    const started = Date.now();
    await terminateSession({ sid, graceMs: 100 });
    expect(processesInSession(sid)).toEqual([]);
    await exited;
    // HUP and TERM were ignored, so it took the SIGKILL step: two grace periods, not much more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
