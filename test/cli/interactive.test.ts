/**
 * The interactive CLI in a real terminal (tmux) against real services: `ptykeep run bash`, type,
 * detach with the keys, `ptykeep attach` again and see the earlier output and the live prompt,
 * the session's size following the terminal, the session's exit, and the local terminal's
 * settings (`stty -a`) the same afterwards as before.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import type { StoreApi } from "@ptykeep/proto";
import type { RunningPty } from "@ptykeep/pty-service";
import { startServices, type Services } from "../support/services.js";
import { PTYKEEP_BIN, runPtykeep } from "./helpers.js";
import { Tmux } from "./tmux.js";

let fx: Services;
let pty: RunningPty;
let tmux: Tmux;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  fx = await startServices("cli_interactive", { ptyEnv: { PTY_DEFAULT_CWD: os.tmpdir() } });
  pty = fx.pty;
  dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-cli-"));
  env = { PTY_ADDR: pty.address, STORE_ADDR: fx.store.address };
  tmux = new Tmux();
  await tmux.start({
    cols: 100,
    rows: 30,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      TERM: "xterm-256color",
      PS1: "outer$ ",
      PTYKEEP: `${process.execPath} ${PTYKEEP_BIN}`,
      ...env,
    },
    command: ["bash", "--norc", "--noprofile"],
  });
  await tmux.waitFor(/outer\$ $/m, "the outer prompt");
});

afterAll(async () => {
  await tmux?.kill();
  await fx?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function getSession(id: string): Promise<StoreApi.Session__Output> {
  return new Promise((resolve, reject) =>
    fx.storeClient.GetSession({ sessionId: id }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (e, r) => (e ? reject(e) : resolve(r!.session!))),
  );
}

async function pollSession(id: string, cond: (s: StoreApi.Session__Output) => boolean, what: string): Promise<StoreApi.Session__Output> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await getSession(id);
    if (cond(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; session: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Saves `stty -a` of the outer terminal to a file, synchronised on a computed marker. */
async function saveStty(name: string, n: number): Promise<string> {
  const file = path.join(dir, name);
  await tmux.type(`stty -a > ${file}; echo saved-$((${n}*11))`);
  await tmux.waitFor(new RegExp(`^saved-${n * 11}$`, "m"), `stty saved (${name})`);
  // The size is the window's, which the test changes on purpose; every mode and key must match.
  return readFileSync(file, "utf8").replace(/rows \d+; columns \d+;/, "rows R; columns C;");
}

it("runs bash, detaches, reattaches with history and a live prompt, follows resizes, restores the terminal", async () => {
  const before = await saveStty("stty-before", 1);
  expect(before).toMatch(/\becho\b/);
  await tmux.type("clear");

  // Run an inner bash with a prompt of its own and type into it.
  await tmux.type(`$PTYKEEP run --label test=tmux -e PS1='inner$ ' -- bash --norc --noprofile`);
  await tmux.waitFor(/^inner\$ $/m, "the inner prompt");
  await tmux.type("echo hello-$((6*7))");
  await tmux.waitFor(/^hello-42$/m, "output of the first command");

  // Detach: ctrl-] then d. The program keeps running; the outer shell is back.
  await tmux.keys("C-]", "d");
  const detached = await tmux.waitFor(/detached; reattach with: npx ptykeep attach ([0-9a-f-]{36})\n(.*\n)*outer\$ $/m, "the detach message and the outer prompt");
  const id = /attach ([0-9a-f-]{36})/.exec(detached)![1]!;
  expect((await getSession(id)).state).toBe("SESSION_STATE_RUNNING");
  expect((await getSession(id)).labels).toEqual({ test: "tmux" });
  expect(await saveStty("stty-after-detach", 2)).toBe(before);

  // `ls` shows it running.
  const ls = await runPtykeep(["ls", "--state", "running"], { env });
  expect(ls.stdout.toString()).toMatch(new RegExp(`^${id}\\s+running\\s+bash --norc --noprofile\\s`, "m"));

  // Reattach: the earlier output is replayed, the prompt is live.
  await tmux.type("clear");
  await tmux.waitFor((s) => !s.includes("hello-42"), "a cleared screen");
  await tmux.type(`$PTYKEEP attach ${id}`);
  await tmux.waitFor(/^hello-42$/m, "the replayed output");
  await tmux.type("echo again-$((2*3))");
  await tmux.waitFor(/^again-6$/m, "live output after reattach");

  // The session's size follows the terminal.
  await tmux.resize(120, 40);
  await pollSession(id, (s) => s.rows === 40 && s.cols === 120, "the session to be 40x120");
  await tmux.type("stty size");
  await tmux.waitFor(/^40 120$/m, "stty size inside the session");

  // A full-screen program leaves mouse reporting on, the cursor hidden and the alternate screen
  // up; detaching gives the local terminal back without them.
  await tmux.type("printf '\\e[?1000h\\e[?25l\\e[?1049h'; echo modes-$((5*5))");
  await tmux.waitFor(/^modes-25$/m, "the modes command");
  expect(await tmux.modes()).toEqual({ mouse: true, cursorVisible: false, altScreen: true });
  await tmux.keys("C-]", "d");
  await tmux.waitFor(/detached; reattach with: npx ptykeep attach [0-9a-f-]{36}\n(.*\n)*outer\$ $/m, "the second detach");
  expect(await tmux.modes()).toEqual({ mouse: false, cursorVisible: true, altScreen: false });
  expect(await saveStty("stty-after-second-detach", 3)).toBe(before);

  // Back with only the tail of the history; then the program exits: ptykeep says so, exits
  // with its code, and the terminal is restored.
  await tmux.type(`$PTYKEEP attach ${id} --tail 32`);
  await tmux.waitFor(/^\[ptykeep\] attached to /m, "the third attach");
  await tmux.type("exit 3");
  await tmux.waitFor(new RegExp(`\\[ptykeep\\] session ${id} exited \\(exit code 3\\)`), "the exit notice");
  await tmux.waitFor(/outer\$ $/m, "the outer prompt after exit");
  await tmux.type("echo rc=$?");
  await tmux.waitFor(/^rc=3$/m, "ptykeep's exit code");
  expect(await tmux.modes()).toEqual({ mouse: false, cursorVisible: true, altScreen: false });
  expect(await saveStty("stty-after-exit", 4)).toBe(before);
  expect((await getSession(id)).state).toBe("SESSION_STATE_EXITED");

  // `logs` on a terminal switches off what the output left on; --raw adds nothing.
  await tmux.type(`clear; $PTYKEEP logs ${id} --raw; echo raw-$((7*7))`);
  await tmux.waitFor(/^raw-49$/m, "logs --raw");
  expect(await tmux.modes()).toMatchObject({ mouse: true, cursorVisible: false });
  await tmux.type(`clear; $PTYKEEP logs ${id}; echo safe-$((8*8))`);
  await tmux.waitFor(/^safe-64$/m, "logs");
  expect(await tmux.modes()).toEqual({ mouse: false, cursorVisible: true, altScreen: false });
});

it("restores the terminal when the viewer is ended by a signal, and the session keeps running", async () => {
  const before = await saveStty("stty-before-signal", 5);
  await tmux.type("clear");
  await tmux.type(`$PTYKEEP run -e PS1='sig$ ' -- bash --norc --noprofile`);
  const screen = await tmux.waitFor(/^sig\$ $/m, "the prompt of the second session");
  const id = /attached to ([0-9a-f-]{36})/.exec(screen)![1]!;
  await tmux.type("printf '\\e[?1000h\\e[?25l'; echo on-$((4*4))");
  await tmux.waitFor(/^on-16$/m, "the modes command");
  expect(await tmux.modes()).toMatchObject({ mouse: true, cursorVisible: false });

  const [viewer, ...others] = await tmux.foregroundPids();
  expect(others).toEqual([]);
  process.kill(viewer!, "SIGTERM");
  await tmux.waitFor(new RegExp(`^\\[ptykeep\\] SIGTERM: stopped watching; the session keeps running; reattach with: npx ptykeep attach ${id}\\n(.*\\n)*outer\\$ $`, "m"), "the outer prompt after SIGTERM");
  await tmux.type("echo rc=$?");
  await tmux.waitFor(/^rc=143$/m, "exit code 128 + SIGTERM");
  expect(await tmux.modes()).toMatchObject({ mouse: false, cursorVisible: true });
  expect(await saveStty("stty-after-signal", 6)).toBe(before);
  expect((await getSession(id)).state).toBe("SESSION_STATE_RUNNING");
  expect((await runPtykeep(["kill", id], { env })).code).toBe(0);
});
