/**
 * PtyProcess on real PTYs: every byte written just before exit arrives before the exit is
 * reported — also when reading was paused at that moment — and exit codes and signals are told
 * apart.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PtyProcess, type PtyExit } from "./pty-process.js";

function run(args: string[], opts: { pauseFirst?: boolean } = {}): Promise<{ bytes: Buffer; exit: PtyExit; pty: PtyProcess }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let exited = false;
    const pty = PtyProcess.spawn({
      file: "/bin/sh",
      args,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color" },
      cwd: "/tmp",
      rows: 24,
      cols: 80,
      onData: (chunk) => {
        expect(exited, "no output after the exit").toBe(false);
        chunks.push(chunk);
      },
      onExit: (exit) => {
        exited = true;
        resolve({ bytes: Buffer.concat(chunks), exit, pty });
      },
    });
    if (opts.pauseFirst) pty.pause();
  });
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
        const { bytes, exit } = await run(["-c", 'stty raw -echo; cat "$0"', file]);
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
    const { bytes } = await run(["-c", "stty raw -echo; head -c 3000 /dev/zero | tr '\\0' x"], { pauseFirst: true });
    expect(bytes.toString()).toBe("x".repeat(3000));
  });

  it("holds input the program does not read yet without spinning, and delivers all of it in order", async () => {
    const input = Buffer.alloc(256 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = 32 + (i % 90);
    let pty: PtyProcess | undefined;
    let ready: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const done = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      pty = PtyProcess.spawn({
        file: "/bin/sh",
        // In raw mode (input kept whole, not echoed), reads nothing for a while, then all of it:
        // prints the byte count and a checksum.
        args: ["-c", "stty raw -echo; echo ready; sleep 1; head -c 262144 | cksum"],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        cwd: "/tmp",
        rows: 24,
        cols: 80,
        onData: (c) => {
          chunks.push(c);
          if (Buffer.concat(chunks).includes("ready")) ready();
        },
        onExit: () => resolve(Buffer.concat(chunks)),
      });
    });
    await isReady;
    const cpuBefore = process.cpuUsage();
    pty!.write(input);
    await new Promise((r) => setTimeout(r, 500));
    const cpu = process.cpuUsage(cpuBefore);
    expect(pty!.pendingInputBytes()).toBeGreaterThan(0);
    // Waiting input costs a few timer wake-ups, not a busy core.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(150);
    const output = (await done).toString().replace(/^ready\s*/, "").trim();
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
    expect((await run(["-c", "exit 7"])).exit).toEqual({ exitCode: 7, signal: undefined });
    expect((await run(["-c", "kill -KILL $$"])).exit).toEqual({ exitCode: undefined, signal: 9 });
  });
});
