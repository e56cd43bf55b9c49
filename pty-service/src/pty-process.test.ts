/**
 * PtyProcess on real PTYs: every byte written just before exit arrives before the exit is
 * reported — also when reading was paused at that moment — and exit codes and signals are told
 * apart. The program is forked on the fork thread and still starts as node-pty starts it:
 * leading its own session, with the terminal as its controlling terminal, fds 0-2 only, default
 * signal actions, the size asked for; nothing is left behind (fds, zombies), also with 50
 * spawns at once.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PtyProcess, type PtyExit, type PtyProcessOptions } from "./pty-process.js";

const BASE = { file: "/bin/sh", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color" }, cwd: "/tmp", rows: 24, cols: 80 };

/**
 * Starts `/bin/sh args` and collects its output until the exit. `onOutput` sees the output so
 * far after each read (to answer the program); `started` resolves with the process.
 */
function run(
  args: string[],
  opts: Partial<Omit<PtyProcessOptions, "onData" | "onExit">> & { pauseFirst?: boolean; onOutput?: (pty: PtyProcess, output: Buffer) => void } = {},
): { started: Promise<PtyProcess>; done: Promise<{ bytes: Buffer; exit: PtyExit; pty: PtyProcess }> } {
  const { pauseFirst, onOutput, ...spawnOpts } = opts;
  const chunks: Buffer[] = [];
  let exited = false;
  let pty: PtyProcess | undefined;
  let resolveExit: (exit: PtyExit) => void = () => {};
  const exit = new Promise<PtyExit>((resolve) => (resolveExit = resolve));
  const started = PtyProcess.spawn({
    ...BASE,
    ...spawnOpts,
    args,
    onData: (chunk) => {
      expect(exited, "no output after the exit").toBe(false);
      chunks.push(chunk);
      if (pty && onOutput) onOutput(pty, Buffer.concat(chunks));
    },
    onExit: (e) => {
      exited = true;
      resolveExit(e);
    },
  }).then((p) => {
    pty = p;
    if (pauseFirst) p.pause();
    return p;
  });
  const done = Promise.all([started, exit]).then(([p, e]) => ({ bytes: Buffer.concat(chunks), exit: e, pty: p }));
  return { started, done };
}

describe("PtyProcess", () => {
  it("delivers all of the last 64 KiB before reporting the exit, 100 times in a row", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-pty-"));
    try {
      const content = randomBytes(64 * 1024);
      const file = path.join(dir, "64k.bin");
      writeFileSync(file, content);
      const short: number[] = [];
      for (let i = 0; i < 100; i++) {
        const { bytes, exit } = await run(["-c", 'stty raw -echo; cat "$0"', file]).done;
        expect(exit).toEqual({ exitCode: 0, signal: undefined });
        if (!bytes.equals(content)) short.push(bytes.length);
      }
      expect(short).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("delivers output that was waiting while reading was paused when the program exited", async () => {
    // 3000 bytes fit in the kernel's buffer: the program exits while nothing is being read.
    const { bytes } = await run(["-c", "stty raw -echo; head -c 3000 /dev/zero | tr '\\0' x"], { pauseFirst: true }).done;
    expect(bytes.toString()).toBe("x".repeat(3000));
  });

  it("holds input the program does not read yet without spinning, and delivers all of it in order", async () => {
    const input = Buffer.alloc(256 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = 32 + (i % 90);
    let ready: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    // In raw mode (input kept whole, not echoed), reads nothing for a while, then all of it:
    // prints the byte count and a checksum.
    const { started, done } = run(["-c", "stty raw -echo; echo ready; sleep 1; head -c 262144 | cksum"], {
      onOutput: (_pty, output) => {
        if (output.includes("ready")) ready();
      },
    });
    const pty = await started;
    await isReady;
    const cpuBefore = process.cpuUsage();
    pty.write(input);
    await new Promise((r) => setTimeout(r, 500));
    const cpu = process.cpuUsage(cpuBefore);
    expect(pty.pendingInputBytes()).toBeGreaterThan(0);
    // Waiting input costs a few timer wake-ups, not a busy core.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(150);
    const output = (await done).bytes.toString().replace(/^ready\s*/, "").trim();
    const expected = await new Promise<string>((resolve) => {
      const child = spawn("cksum", [], { stdio: ["pipe", "pipe", "ignore"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", () => resolve(out.trim()));
      child.stdin.end(input);
    });
    expect(output).toBe(expected);
  });

  it("tells an exit code from a signal", async () => {
    expect((await run(["-c", "exit 7"]).done).exit).toEqual({ exitCode: 7, signal: undefined });
    expect((await run(["-c", "kill -KILL $$"]).done).exit).toEqual({ exitCode: undefined, signal: 9 });
  });

  it("starts the program as the leader of its own session, with the terminal as its controlling terminal", async () => {
    // tty_nr and the foreground process group of /proc/PID/stat: set only with a controlling terminal.
    const { bytes, pty } = await run(["-c", 'read -r _ _ _ _ pgid sid tty tpgid _ < /proc/$$/stat; echo "pgid=$pgid sid=$sid tty=$tty tpgid=$tpgid"']).done;
    const m = /pgid=(\d+) sid=(\d+) tty=(\d+) tpgid=(-?\d+)/.exec(bytes.toString());
    expect(m, bytes.toString()).not.toBeNull();
    expect(Number(m![1])).toBe(pty.pid);
    expect(Number(m![2])).toBe(pty.pid);
    expect(Number(m![3])).toBeGreaterThan(0);
    expect(Number(m![4])).toBe(pty.pid);
  });

  it("delivers ^C from the terminal to the program as SIGINT", async () => {
    let sent = false;
    const { done } = run(["-c", "echo ready; exec cat"], {
      onOutput: (pty, output) => {
        if (!sent && output.includes("ready")) {
          sent = true;
          pty.write(Buffer.from([3]));
        }
      },
    });
    expect((await done).exit).toEqual({ exitCode: undefined, signal: 2 });
  });

  it("gives the program fds 0, 1 and 2 only, every signal at its default action, its size, cwd and environment", async () => {
    // The program says it runs, then waits for a line; its fds are read from here meanwhile (a
    // shell listing its own fds would see its pipes). Not before it says so: until its exec, the
    // forked child still holds the fds the exec will close.
    let ready: () => void = () => {};
    const running = new Promise<void>((resolve) => (ready = resolve));
    const { started, done } = run(["-c", 'echo ready; read -r _; grep -E "^Sig(Ign|Blk)" /proc/$$/status | tr -s "\\t" " "; stty size; pwd; echo "TERM=$TERM PWD=$PWD X=$X"'], {
      env: { X: "y z", PATH: "/usr/bin:/bin" },
      cwd: "/usr",
      rows: 33,
      cols: 101,
      onOutput: (_pty, output) => {
        if (output.includes("ready\r\n")) ready();
      },
    });
    const pty = await started;
    await running;
    expect(readdirSync(`/proc/${pty.pid}/fd`).sort()).toEqual(["0", "1", "2"]);
    pty.write(Buffer.from("go\r"));
    const lines = (await done).bytes.toString().split(/\r?\n/).slice(2, 7);
    expect(lines).toEqual(["SigBlk: 0000000000000000", "SigIgn: 0000000000000000", "33 101", "/usr", "TERM=xterm-256color PWD=/usr X=y z"]);
  });

  it("resizes the terminal", async () => {
    let resized = false;
    const { done } = run(["-c", 'trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 0.05; done'], {
      onOutput: (pty, output) => {
        if (!resized && output.toString() === "ready\r\n") {
          resized = true;
          pty.resize(40, 132);
        }
      },
    });
    expect((await done).bytes.toString()).toContain("40 132");
  });

  it("leaves no fd open and no zombie behind, one spawn after another and 50 at once", async () => {
    // What a spawn opens here: a PTY master (/dev/ptmx); the terminal side is the program's.
    const ours = () =>
      readdirSync("/proc/self/fd")
        .map((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`);
          } catch {
            return ""; // closed while we looked (the directory's own fd)
          }
        })
        .filter((target) => /ptmx|\/dev\/pts\//.test(target));
    const before = ours();
    for (let i = 0; i < 50; i++) await run(["-c", "echo $$"]).done;
    expect(ours()).toEqual(before);
    expect(zombieChildren()).toEqual([]);
    // Started all at once: each gets its own terminal, none of the others' (ls lists its own fds:
    // the terminal, its output pipe and the directory it reads), and reports its own exit.
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => run(["-c", `echo "$$ ${i} $(ls /proc/self/fd | tr "\\n" " ")"; exit ${i % 7}`]).done));
    all.forEach(({ bytes, exit, pty }, i) => {
      expect(bytes.toString().trim()).toBe(`${pty.pid} ${i} 0 1 2 3`);
      expect(exit).toEqual({ exitCode: i % 7, signal: undefined });
    });
    expect(new Set(all.map((r) => r.pty.pid)).size).toBe(50);
    expect(ours()).toEqual(before);
    expect(zombieChildren()).toEqual([]);
  });
});

/** Children of this process that ended and were not reaped. */
function zombieChildren(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (rest[0] === "Z" && Number(rest[1]) === process.pid) found.push(Number(entry));
  }
  return found;
}
