/**
 * Helpers for the CLI tests: the real `ptykeep` binary run as a child process (node + tsx, as a
 * user runs it), services started in-process on a fresh database, and a feeder that plays the
 * pty-service's part towards the store so history with exact bytes, sizes and times can be
 * written without a terminal.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { toTimestamp, uuidv7, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { STORE_DEFAULTS } from "@ptykeep/store-service";
import { startStoreFixture, type StoreFixture } from "../store/helpers.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PTYKEEP_BIN = path.join(ROOT, "cli/bin/ptykeep.js");
/** A loopback port nothing listens on (port 1 is privileged and unused in test machines). */
export const DEAD_ADDRESS = "127.0.0.1:1";
const DEADLINE_MS = 10_000;

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `ptykeep ARGS` to completion (bounded), capturing stdout as bytes. */
export function runPtykeep(args: string[], opts: { env?: Record<string, string>; stdin?: Buffer; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PTYKEEP_BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ptykeep ${args.join(" ")} did not finish in time; stderr: ${Buffer.concat(err).toString()}`));
    }, opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(opts.stdin ?? Buffer.alloc(0));
  });
}

export interface BackgroundCli {
  /** Everything written to stdout so far. */
  stdout(): Buffer;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  kill(): void;
}

/** Starts `ptykeep ARGS` without waiting for it (stdin closed); the caller ends or awaits it. */
export function startPtykeep(args: string[], opts: { env?: Record<string, string> } = {}): BackgroundCli {
  const child = spawn(process.execPath, [PTYKEEP_BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.stderr.on("data", (d: Buffer) => err.push(d));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() })));
  return { stdout: () => Buffer.concat(out), done, kill: () => child.kill("SIGKILL") };
}

/** Polls `get` until `cond` holds, failing after a bounded time with the last value. */
export async function poll<T>(get: () => T | Promise<T>, cond: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (cond(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${String(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type { StoreFixture };

/** test/store's store fixture with the background jobs at their defaults, as the CLI meets them; close() also drops the database. */
export async function startStore(prefix: string): Promise<StoreFixture> {
  const D = STORE_DEFAULTS;
  const fx = await startStoreFixture(prefix, { STORE_REAPER: String(D.REAPER), STORE_COMPACTOR: String(D.COMPACTOR), STORE_SNAPSHOTTER: String(D.SNAPSHOTTER) });
  return {
    ...fx,
    close: async () => {
      await fx.close();
      await fx.dropDb();
    },
  };
}

function unary<Req, Res>(client: StoreServiceClient, method: keyof StoreServiceClient, req: Req): Promise<Res> {
  const fn = client[method] as unknown as (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
  return new Promise((resolve, reject) => fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + DEADLINE_MS }, (e, r) => (e ? reject(e) : resolve(r!))));
}

/**
 * Writes one session into the store the way a pty-service does: register, mark running, output
 * chunks acknowledged as durable, size changes at their seq, exit.
 */
export class SessionFeeder {
  readonly id = uuidv7();
  private seq = 0;
  private offset = 0;
  private changeNo = 0;
  private readonly stream: grpc.ClientDuplexStream<StoreApi.AppendOutputRequest, StoreApi.AppendOutputResponse__Output>;
  private durable = 0;
  private waiters: Array<() => void> = [];
  private failure: Error | undefined;

  constructor(
    private readonly client: StoreServiceClient,
    readonly info: { command: string; args: string[]; rows: number; cols: number; labels?: Record<string, string>; ptyNode?: string },
  ) {
    this.stream = client.AppendOutput();
    this.stream.on("data", (r: StoreApi.AppendOutputResponse__Output) => {
      if (r.rejection) this.failure = new Error(`chunk rejected: ${r.rejection.message}`);
      else this.durable = Math.max(this.durable, r.durableSeq);
      this.waiters.forEach((w) => w());
    });
    this.stream.on("error", (e) => {
      this.failure = e;
      this.waiters.forEach((w) => w());
    });
  }

  async start(): Promise<this> {
    await unary(this.client, "RegisterSession", {
      sessionId: this.id,
      command: this.info.command,
      args: this.info.args,
      cwd: "/tmp",
      ptyNode: this.info.ptyNode ?? "127.0.0.1:50051",
      rows: this.info.rows,
      cols: this.info.cols,
      labels: this.info.labels ?? {},
      envNames: [],
    });
    await unary(this.client, "MarkRunning", { sessionId: this.id, pid: 4242 });
    return this;
  }

  /** Appends chunks (stamped tsMs each) and waits until the store says they are durable. */
  async output(pieces: Array<{ data: Buffer; tsMs: number }>): Promise<void> {
    for (const p of pieces) {
      this.seq++;
      this.stream.write({ chunk: { sessionId: this.id, seq: this.seq, offset: this.offset, ts: toTimestamp(p.tsMs), data: p.data } });
      this.offset += p.data.length;
    }
    const target = this.seq;
    const deadline = Date.now() + DEADLINE_MS;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.failure) reject(this.failure);
        else if (this.durable >= target) resolve();
        else if (Date.now() > deadline) reject(new Error(`chunks up to ${target} not acknowledged`));
        else return;
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
      };
      const timer = setTimeout(check, DEADLINE_MS + 10);
      this.waiters.push(check);
      check();
    });
  }

  /** The terminal was resized after the output written so far. */
  async resize(rows: number, cols: number): Promise<void> {
    this.changeNo++;
    await unary(this.client, "UpdateSize", { sessionId: this.id, rows, cols, atSeq: this.seq, changeNo: this.changeNo });
  }

  async exit(exitCode: number): Promise<void> {
    await unary(this.client, "MarkExited", { sessionId: this.id, exitCode, signal: "", finalSeq: this.seq, reason: "END_REASON_EXITED" });
    this.stream.end();
  }

  close(): void {
    this.stream.end();
  }
}

/** The stored history of a session, read with the store's own client (the reference). */
export async function storedHistory(client: StoreServiceClient, sessionId: string): Promise<StoreApi.ReadHistoryResponse__Output[]> {
  const events: StoreApi.ReadHistoryResponse__Output[] = [];
  const call = client.ReadHistory({ sessionId, fromSeq: 0, toSeq: 0 }, { deadline: Date.now() + DEADLINE_MS });
  for await (const ev of call) events.push(ev as StoreApi.ReadHistoryResponse__Output);
  return events;
}

/** The output bytes of a stored history, in order. */
export function outputOf(events: StoreApi.ReadHistoryResponse__Output[]): Buffer {
  return Buffer.concat(events.flatMap((e) => (e.output ? [e.output.data] : [])));
}

/**
 * The stored history of an ended session once it is complete. A viewer of the pty-service (attach)
 * ends on its exit event, which can come before the store has the last chunk; the store records
 * the exit after the output, so the history is complete once it holds the exit.
 */
export async function endedHistory(client: StoreServiceClient, sessionId: string): Promise<StoreApi.ReadHistoryResponse__Output[]> {
  return poll(() => storedHistory(client, sessionId), (evs) => evs.some((e) => e.exit), `the exit of ${sessionId} in the history`);
}
