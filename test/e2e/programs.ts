/**
 * Test programs, written to a temporary folder and run in raw mode (`stty raw -echo`), so that
 * the terminal passes their bytes through unchanged and the expected output is known exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const COUNTER_JS = `
// Writes lines "%08d\\n" for i in [0, n), \`every\` lines at a time, pausing pauseMs between bursts.
const [n, every, pauseMs] = process.argv.slice(2).map(Number);
let i = 0;
function burst() {
  let s = "";
  const end = Math.min(n, i + every);
  for (; i < end; i++) s += String(i).padStart(8, "0") + "\\n";
  process.stdout.write(s);
  if (i < n) setTimeout(burst, pauseMs);
}
burst();
`;

export class Programs {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-e2e-"));
  private readonly counterFile = path.join(this.dir, "counter.js");

  constructor() {
    writeFileSync(this.counterFile, COUNTER_JS);
  }

  /** A Spawn request for the counter program. */
  counter(n: number, every: number, pauseMs: number): { command: string; args: string[] } {
    return { command: "/bin/sh", args: ["-c", 'stty raw -echo; exec "$0" "$@"', process.execPath, this.counterFile, String(n), String(every), String(pauseMs)] };
  }

  /** What counter(n, …) writes. */
  static counterOutput(n: number): Buffer {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`${String(i).padStart(8, "0")}\n`);
    return Buffer.from(lines.join(""));
  }

  /** `cat file` in raw mode. */
  rawCat(file: string): { command: string; args: string[] } {
    return { command: "/bin/sh", args: ["-c", 'stty raw -echo; cat "$0"', file] };
  }

  file(name: string, content: Buffer): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
