/**
 * The programs the benchmark runs in terminals, and the corpus files they print. Every program
 * first puts its terminal in raw mode without echo (`stty raw -echo`), so the line discipline
 * passes the corpus bytes through unchanged (no onlcr, no echo of what is typed), as a full-screen
 * program or a `cat` of a file in a raw terminal would.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { CORPORA } from "../corpus.js";
import { ROOT } from "./system.js";
import { READY_MARK, type BareRequest, type BareResult } from "./bare-pty.js";

const execFileP = promisify(execFile);

export interface Program {
  command: string;
  args: string[];
}

function sh(script: string): Program {
  return { command: "/bin/sh", args: ["-c", script] };
}

/** Single-quoted for sh. */
function q(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

export const programs = {
  /** Prints the file, then stays alive reading input (so the session can be attached and typed into). */
  catThenWait: (file: string): Program => sh(`stty raw -echo && cat ${q(file)} && exec cat`),
  /** Echoes every byte typed, once the terminal is raw. */
  echo: (): Program => sh(`stty raw -echo && printf ${READY_MARK} && exec cat`),
  /** Prints the file over and over: a program flooding its terminal. */
  flood: (file: string): Program => sh(`stty raw -echo && while :; do cat ${q(file)}; done`),
  /** Once a byte is typed, prints chunkBytes from the file every intervalMs (absolute schedule) for count chunks. */
  paced: (file: string, startOffset: number, chunkBytes: number, intervalMs: number, count: number): Program => ({
    command: "perl",
    args: [path.join(ROOT, "bench/lib/paced-writer.pl"), file, String(startOffset), String(chunkBytes), String(intervalMs), String(count)],
  }),
  /** Does nothing, quietly (idle sessions). */
  idle: (): Program => ({ command: "sleep", args: ["3600"] }),
};

/** Writes a corpus kind of the given size and seed to a file in dir; returns its path. */
export function writeCorpusFile(dir: string, kind: keyof typeof CORPORA, bytes: number, seed: number): string {
  const file = path.join(dir, `${kind}-${bytes}-${seed}.bin`);
  writeFileSync(file, CORPORA[kind](bytes, seed));
  return file;
}

/** Runs one bare node-pty measurement in a child process (see bare-pty.ts). */
export async function runBare(req: BareRequest): Promise<BareResult> {
  const { stdout } = await execFileP(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/lib/bare-pty.ts"), JSON.stringify(req)], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as BareResult;
}
