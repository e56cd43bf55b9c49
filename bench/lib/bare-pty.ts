/**
 * The baseline: the same program read by bare node-pty (encoding null, no persistence, nothing
 * else in the process). Run as a child process by the suite, one measurement per run, so it gets
 * a fresh process like the pty-service does; prints one JSON line with the result.
 *
 *   node --import tsx bench/lib/bare-pty.ts '{"mode":"throughput","command":"/bin/sh","args":[...],"bytes":N}'
 *   node --import tsx bench/lib/bare-pty.ts '{"mode":"echo","command":"/bin/sh","args":[...],"count":N,"intervalMs":M}'
 *
 * Echo programs print READY_MARK once the terminal is in raw mode, then echo what they read.
 */
import * as pty from "node-pty";

export const READY_MARK = "R";
export const ECHO_KEYS = "abcdefghijklmnopqrstuvwxyz";

const BARE = Object.freeze({
  /** Give up on a run that has not finished in this long (a broken program must not hang the suite). */
  RUN_TIMEOUT_MS: 120_000,
  ROWS: 24,
  COLS: 80,
});

export type BareRequest =
  | { mode: "throughput"; command: string; args: string[]; cwd: string; bytes: number }
  | { mode: "echo"; command: string; args: string[]; cwd: string; count: number; intervalMs: number };

export type BareResult = { mode: "throughput"; ms: number; bytes: number; reads: number; cpuS: number } | { mode: "echo"; samplesMs: number[] };

function spawnPty(req: BareRequest): pty.IPty {
  return pty.spawn(req.command, req.args, {
    name: "xterm-256color",
    rows: BARE.ROWS,
    cols: BARE.COLS,
    cwd: req.cwd,
    env: process.env,
    encoding: null,
  });
}

function onBytes(p: pty.IPty, fn: (data: Buffer) => void): void {
  (p.onData as unknown as (cb: (d: Buffer | string) => void) => void)((d) => fn(typeof d === "string" ? Buffer.from(d, "latin1") : d));
}

async function throughput(req: Extract<BareRequest, { mode: "throughput" }>): Promise<BareResult> {
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const p = spawnPty(req);
  let bytes = 0;
  let reads = 0;
  const ms = await new Promise<number>((resolve, reject) => {
    onBytes(p, (d) => {
      bytes += d.length;
      reads++;
      if (bytes >= req.bytes) resolve(performance.now() - started);
    });
    p.onExit(() => {
      if (bytes < req.bytes) reject(new Error(`program exited after ${bytes} of ${req.bytes} bytes`));
    });
  });
  const cpu = process.cpuUsage(cpu0);
  p.kill("SIGKILL");
  // CPU of this process only (the reader), comparable with the services' CPU on the durable path.
  return { mode: "throughput", ms, bytes, reads, cpuS: (cpu.user + cpu.system) / 1e6 };
}

async function echo(req: Extract<BareRequest, { mode: "echo" }>): Promise<BareResult> {
  const p = spawnPty(req);
  let waiting: { key: number; resolve: () => void } | undefined;
  let ready: () => void = () => {};
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  onBytes(p, (d) => {
    if (d.includes(READY_MARK.charCodeAt(0))) ready();
    if (waiting && d.includes(waiting.key)) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
  });
  await readyP;
  const samplesMs: number[] = [];
  for (let i = 0; i < req.count; i++) {
    const key = ECHO_KEYS.charCodeAt(i % ECHO_KEYS.length);
    const seen = new Promise<void>((resolve) => (waiting = { key, resolve }));
    const t0 = performance.now();
    p.write(String.fromCharCode(key));
    await seen;
    samplesMs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, req.intervalMs));
  }
  p.kill("SIGKILL");
  return { mode: "echo", samplesMs };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? "") as BareRequest;
  const timer = setTimeout(() => {
    process.stderr.write(`bare-pty: no result after ${BARE.RUN_TIMEOUT_MS} ms\n`);
    process.exit(3);
  }, BARE.RUN_TIMEOUT_MS);
  const result = req.mode === "throughput" ? await throughput(req) : await echo(req);
  clearTimeout(timer);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (process.argv[1]?.endsWith("bare-pty.ts")) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
