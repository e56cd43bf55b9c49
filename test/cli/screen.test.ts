/**
 * The CLI from the screen: `ptykeep attach` starts with the session's screen (a store snapshot and
 * the output after it) rather than its whole history; `--history` replays every byte; `ptykeep
 * logs --screen` prints an ended session's final screen as text.
 */
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreApi } from "@ptykeep/proto";
import type { RunningPty } from "@ptykeep/pty-service";
import { FRESH_TERMINAL } from "../../cli/src/commands/attach.js";
import { startServices, type Services } from "../support/services.js";
import { poll, runPtykeep, startPtykeep, storedHistory, outputOf, endedHistory } from "./helpers.js";

/** One CLI process (started through tsx) on a loaded shared machine can take tens of seconds. */
const CLI_TIMEOUT_MS = 120_000;

let fx: Services;
let pty: RunningPty;
let env: Record<string, string>;

beforeAll(async () => {
  fx = await startServices("cli_screen", { ptyEnv: { PTY_DEFAULT_CWD: os.tmpdir() } });
  pty = fx.pty;
  env = { PTY_ADDR: pty.address, STORE_ADDR: fx.store.address };
});

afterAll(async () => {
  await fx?.close();
});

/** Where the newest screen snapshot stands (0: none yet). */
async function screenSeq(id: string): Promise<number> {
  for await (const m of fx.storeClient.ReadHistory({ sessionId: id, fromScreen: true }) as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) {
    if (m.start) return m.start.screenStatus === "SCREEN_STATUS_SNAPSHOT" ? Number(m.start.screenSeq) : 0;
  }
  return 0;
}

const storedBytes = async (id: string) => outputOf(await storedHistory(fx.storeClient, id));

describe("ptykeep from the screen", () => {
  it("attach shows the screen and what followed, --history every byte, logs --screen the final screen as text", async () => {
    // Many times the snapshot interval (128 KiB) of coloured lines, then a last line, then it waits.
    const script = `for i in $(seq 1 20000); do printf '\\e[3%dmline %05d of the build log\\e[0m\\n' $((i % 8)) $i; done; printf 'LAST-LINE\\n'; read x; printf 'after the screen\\n'`;
    const run = await runPtykeep(["run", "-d", "--", "bash", "--norc", "--noprofile", "-c", script], { env, timeoutMs: CLI_TIMEOUT_MS });
    expect(run.code).toBe(0);
    const id = run.stdout.toString().trim();
    await poll(() => storedBytes(id), (b) => b.includes("LAST-LINE"), "LAST-LINE in the history");
    await fx.store.snapshotter!.runOnce();
    // This pass, or the store's own periodic one if it had the session, has left a recent screen.
    await poll(() => screenSeq(id), (seq) => seq > 0, "a screen snapshot");
    const history = await storedBytes(id);

    const fromScreen = startPtykeep(["attach", id], { env });
    const everything = startPtykeep(["attach", id, "--history"], { env });
    // Generous: two CLI processes start (tsx) on a loaded machine.
    await poll(() => fromScreen.stdout(), (b) => b.includes("LAST-LINE"), "the screen from attach", 90_000);
    await poll(() => everything.stdout(), (b) => b.includes("LAST-LINE"), "the history from attach --history", 90_000);
    expect(await runPtykeep(["write", id, "\\r"], { env, timeoutMs: CLI_TIMEOUT_MS })).toMatchObject({ code: 0 });
    const [a, h] = await Promise.all([fromScreen.done, everything.done]);
    expect(a.code).toBe(0);
    expect(h.code).toBe(0);
    const final = outputOf(await endedHistory(fx.storeClient, id));
    // --history: every byte the program wrote, in order.
    expect(h.stdout.equals(final)).toBe(true);
    // From the screen: a fresh terminal, the screen, then the output after it, far less than the history.
    expect(a.stdout.subarray(0, FRESH_TERMINAL.length).toString()).toBe(FRESH_TERMINAL);
    expect(a.stdout.length).toBeLessThan(history.length / 4);
    expect(a.stdout.toString()).toContain("line 20000 of the build log");
    expect(a.stdout.subarray(a.stdout.length - final.length + history.length).toString()).toContain("after the screen");

    await fx.store.snapshotter!.runOnce();
    const text = await runPtykeep(["logs", "--screen", id], { env, timeoutMs: CLI_TIMEOUT_MS });
    expect(text.code).toBe(0);
    const lines = text.stdout.toString().split("\n");
    expect(text.stdout.includes(0x1b)).toBe(false);
    expect(lines.slice(-5)).toEqual(["line 20000 of the build log", "LAST-LINE", "", "after the screen", ""]);
    // Several CLI processes start (tsx) one after another: minutes on a loaded machine.
  }, 300_000);

  it("refuses attach with more than one of --history, --from and --tail, and logs --screen with --follow", async () => {
    const id = "01890f4c-0000-7000-8000-000000000000";
    expect((await runPtykeep(["attach", id, "--history", "--from", "3"], { env, timeoutMs: CLI_TIMEOUT_MS })).stderr).toMatch(/one of --history, --from and --tail/);
    expect((await runPtykeep(["logs", "--screen", id, "--follow"], { env, timeoutMs: CLI_TIMEOUT_MS })).stderr).toMatch(/--screen takes no/);
  }, 300_000);
});
