/**
 * The store-side commands of the real `ptykeep` binary — ls, logs, export — and its error
 * messages, against a real store-service on a fresh PostgreSQL database. Sessions are written
 * into the store as a pty-service would, with chosen bytes (split and invalid UTF-8), sizes and
 * times, so the exact expectations are known. No pty-service runs: `ls` must not need one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAD_ADDRESS, SessionFeeder, poll, runPtykeep, startPtykeep, startStore, storedHistory, outputOf, type StoreFixture } from "./helpers.js";

let fx: StoreFixture;
let env: Record<string, string>;
/** An exited session whose output exercises UTF-8 edge cases, with a resize and a late clock. */
let cast: SessionFeeder;
let castBytes: Buffer;
let running: SessionFeeder;

const euro = Buffer.from("€"); // e2 82 ac
const smile = Buffer.from("🙂"); // f0 9f 99 82
const CAST_CHUNKS = [
  { data: Buffer.concat([Buffer.from("hello "), euro.subarray(0, 2)]), dt: 100 },
  { data: Buffer.concat([euro.subarray(2), Buffer.from("\r\n"), Buffer.from([0xff]), smile.subarray(0, 1)]), dt: 350 },
  // after a resize to 30x100:
  { data: Buffer.concat([smile.subarray(1), Buffer.from("\x1b[31mred\x1b[0m")]), dt: 1_200 },
  // stamped earlier than the chunk before it (another machine's clock):
  { data: Buffer.from("late clock\r\n"), dt: 900 },
];

beforeAll(async () => {
  fx = await startStore("cli_history");
  env = { STORE_ADDR: fx.store.address, PTY_ADDR: DEAD_ADDRESS };
  cast = await new SessionFeeder(fx.client, { command: "printf", args: ["%s", "it's"], rows: 24, cols: 80, labels: { team: "a" } }).start();
  // Chunk times after the session's start (the store stamps started_at), so none is clamped to 0.
  const base = Date.now() + 1_000;
  const stamped = CAST_CHUNKS.map((c) => ({ data: c.data, tsMs: base + c.dt }));
  await cast.output(stamped.slice(0, 2));
  await cast.resize(30, 100);
  await cast.output(stamped.slice(2));
  await cast.exit(0);
  castBytes = Buffer.concat(CAST_CHUNKS.map((c) => c.data));
  running = await new SessionFeeder(fx.client, { command: "bash", args: ["--norc"], rows: 24, cols: 80, labels: { team: "b" } }).start();
  await running.output([{ data: Buffer.alloc(3 * 1024, "x"), tsMs: Date.now() }]);
});

afterAll(async () => {
  running?.close();
  await fx?.close();
});

describe("ptykeep ls", () => {
  it("lists sessions as a table with the pty-service down", async () => {
    const res = await runPtykeep(["ls"], { env });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.toString().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATE\s+COMMAND\s+AGE\s+HISTORY\s+NODE$/);
    // Newest first.
    expect(lines[1]).toMatch(new RegExp(`^${running.id}\\s+running\\s+bash --norc\\s+\\d+s\\s+3\\.0 KiB\\s+127\\.0\\.0\\.1:50051$`));
    expect(lines[2]).toMatch(new RegExp(`^${cast.id}\\s+exited \\(0\\)\\s+printf %s 'it'\\\\''s'\\s+\\d+s\\s+${castBytes.length} B\\s+127\\.0\\.0\\.1:50051$`));
    expect(lines).toHaveLength(3);
  });

  it("filters by state and label", async () => {
    const byState = await runPtykeep(["ls", "--state", "exited"], { env });
    expect(byState.stdout.toString()).toContain(cast.id);
    expect(byState.stdout.toString()).not.toContain(running.id);
    const byLabel = await runPtykeep(["ls", "--label", "team=b", "--state", "all"], { env });
    expect(byLabel.stdout.toString()).toContain(running.id);
    expect(byLabel.stdout.toString()).not.toContain(cast.id);
  });

  it("prints one JSON object per line with --json", async () => {
    const res = await runPtykeep(["ls", "--json", "--state", "running"], { env });
    expect(res.code).toBe(0);
    const rows = res.stdout.toString().trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(rows).toEqual([expect.objectContaining({ id: running.id, state: "running", command: "bash", args: ["--norc"], durableBytes: 3072, labels: { team: "b" } })]);
    expect(rows[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe("ptykeep logs", () => {
  it("writes the exact bytes, invalid UTF-8 included", async () => {
    const res = await runPtykeep(["logs", cast.id], { env });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe("");
    expect(res.stdout.equals(castBytes)).toBe(true);
    const raw = await runPtykeep(["logs", cast.id, "--raw"], { env });
    expect(raw.stdout.equals(castBytes)).toBe(true);
  });

  it("starts at --from SEQ", async () => {
    const res = await runPtykeep(["logs", cast.id, "--from", "3"], { env });
    expect(res.code).toBe(0);
    expect(res.stdout.equals(Buffer.concat(CAST_CHUNKS.slice(2).map((c) => c.data)))).toBe(true);
  });

  it("--follow on an ended session returns after its history", async () => {
    const res = await runPtykeep(["logs", cast.id, "--follow"], { env });
    expect(res.code).toBe(0);
    expect(res.stdout.equals(castBytes)).toBe(true);
  });

  it("--follow reads from the store when the pty-service cannot be reached, until the session ends", async () => {
    const s = await new SessionFeeder(fx.client, { command: "sh", args: [], rows: 24, cols: 80 }).start();
    try {
      await s.output([{ data: Buffer.from("first\r\n"), tsMs: Date.now() }]);
      const follow = startPtykeep(["logs", s.id, "--follow"], { env });
      try {
        await poll(() => follow.stdout().toString(), (out) => out === "first\r\n", "the stored output");
        await s.output([{ data: Buffer.from([0xff, 0x0a]), tsMs: Date.now() }]);
        await poll(() => follow.stdout().length, (n) => n === 9, "the new output");
        await s.exit(0);
        const res = await follow.done;
        expect(res.code).toBe(0);
        expect(res.stdout.equals(Buffer.from("first\r\n\xff\n", "latin1"))).toBe(true);
      } finally {
        follow.kill();
      }
    } finally {
      s.close();
    }
  });
});

describe("ptykeep export --format asciicast", () => {
  it("writes asciicast v2 whose output events decode the session's bytes, with the resize in place", async () => {
    const res = await runPtykeep(["export", cast.id, "--format", "asciicast", "--title", "demo"], { env });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.toString("utf8").split("\n");
    expect(lines.pop()).toBe("");
    const header = JSON.parse(lines[0]!);
    expect(header).toEqual({ version: 2, width: 80, height: 24, timestamp: expect.any(Number), command: "printf %s 'it'\\''s'", title: "demo" });
    expect(Number.isInteger(header.timestamp)).toBe(true);
    expect(Math.abs(header.timestamp - Date.now() / 1000)).toBeLessThan(120);

    const events = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    for (const ev of events) {
      expect(ev).toHaveLength(3);
      expect(typeof ev[0]).toBe("number");
      expect(["o", "r"]).toContain(ev[1]);
      expect(typeof ev[2]).toBe("string");
    }
    const times = events.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Reference: the stored bytes, read with the store's own client, decoded as one UTF-8 stream.
    const stored = outputOf(await storedHistory(fx.client, cast.id));
    expect(stored.equals(castBytes)).toBe(true);
    const output = events.filter((e) => e[1] === "o").map((e) => e[2]);
    expect(output.join("")).toBe(new TextDecoder("utf-8", { ignoreBOM: true }).decode(stored));
    expect(output.join("")).toBe("hello €\r\n\ufffd🙂\x1b[31mred\x1b[0mlate clock\r\n");

    // The split "€" is emitted whole with the second chunk; the resize comes after chunk 2 and
    // before chunk 3 (which completes the split "🙂").
    expect(events.map((e) => [e[1], e[2]])).toEqual([
      ["o", "hello "],
      ["o", "€\r\n\ufffd"],
      ["r", "100x30"],
      ["o", "🙂\x1b[31mred\x1b[0m"],
      ["o", "late clock\r\n"],
    ]);
    // Real per-chunk timing: 250 ms and 850 ms between chunks; the late clock does not go back.
    const o = events.filter((e) => e[1] === "o").map((e) => e[0]);
    expect(o[1]! - o[0]!).toBeCloseTo(0.25, 3);
    expect(o[2]! - o[1]!).toBeCloseTo(0.85, 3);
    expect(o[3]).toBe(o[2]);
  });
});

describe("errors", () => {
  const oneLine = (stderr: string) => {
    expect(stderr.endsWith("\n")).toBe(true);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  it("an unknown session id: exit 1, which session", async () => {
    const unknown = "0192f0c4-5b7e-7c3a-9d2e-4f1a2b3c4d5e";
    for (const cmd of [["logs", unknown], ["export", unknown], ["attach", unknown, "--tail", "10"]]) {
      const res = await runPtykeep(cmd, { env });
      expect(res.code, cmd.join(" ")).toBe(1);
      expect(res.stderr).toBe(`ptykeep: session ${unknown} not found\n`);
    }
  });

  it("a service that is down: exit 1, which service at which address, what failed", async () => {
    const store = await runPtykeep(["ls"], { env: { STORE_ADDR: DEAD_ADDRESS } });
    expect(store.code).toBe(1);
    expect(store.stderr).toMatch(/^ptykeep: cannot reach store-service at 127\.0\.0\.1:1 \(UNAVAILABLE: connect ECONNREFUSED 127\.0\.0\.1:1\)\n$/);
    const pty = await runPtykeep(["kill", running.id, "--pty", DEAD_ADDRESS], { env });
    expect(pty.code).toBe(1);
    expect(pty.stderr).toMatch(/^ptykeep: cannot reach pty-service at 127\.0\.0\.1:1 \(UNAVAILABLE: .+\)\n$/);
    oneLine(pty.stderr);
  });

  it("bad flags and arguments: exit 2 with what to type instead", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["ls", "--bogus"], /^ptykeep: ls: Unknown option '--bogus'; see `ptykeep ls --help`\n$/],
      [["attach", "not-an-id"], /^ptykeep: "not-an-id" is not a session id/],
      [["resize", running.id, "0", "80"], /^ptykeep: ROWS must be a whole number from 1 to 1000/],
      [["frob"], /^ptykeep: unknown command "frob"/],
    ];
    for (const [argv, message] of cases) {
      const res = await runPtykeep(argv, { env });
      expect(res.code, argv.join(" ")).toBe(2);
      expect(res.stderr).toMatch(message);
      oneLine(res.stderr);
    }
  });

  it("--help prints the usage and exits 0", async () => {
    const res = await runPtykeep(["--help"], { env });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toMatch(/^Usage: ptykeep/);
    expect(res.stdout.toString()).toContain("ctrl-] then d");
  });
});
