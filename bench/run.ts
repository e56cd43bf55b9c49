/**
 * The benchmark suite (`npm run bench`): starts an embedded PostgreSQL and the two services as
 * child processes, runs every row of the table in BENCHMARKS.md with its baseline in the same
 * run, and writes BENCHMARKS.md (committed) and JSON (bench/BENCHMARKS.json, committed, and a
 * timestamped copy under bench/results/, not committed).
 *
 *   npm run bench                 # full: every row, more rounds, plus the CPU profiles (~5.5 min on 2 quiet cores)
 *   npm run bench -- --quick      # fewer rounds and keystrokes, row 3 for 10 s, 200 idle sessions, no profile;
 *                                 # writes bench/results/ only (BENCHMARKS.md is the full run's)
 *   npm run bench -- --only throughput,echo   # some groups only; writes bench/results/ only
 *   npm run bench -- --profile    # add the profile pass to a quick run
 *   npm run bench -- --only many --profile-all DIR   # CPU profiles of every service child, to dig into a row
 *   npm run bench -- --render     # rewrite BENCHMARKS.md from bench/BENCHMARKS.json (after editing bench/ANALYSIS.md)
 *
 * Groups: throughput (rows 1, 2, 12, 13, then 6, 7, 11, 8 on row 1's session), ingest (9), echo (4, 4b, 5),
 * many (3), memory (10), screen (S1-S5: attach from the screen, snapshot job, ingest with it on vs off), web (W1-W4: the web
 * gateway and a browser), spawn (14, 15), profile. Workloads are generated here from fixed seeds (bench/corpus.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, chmodSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeCorpusFile } from "./lib/programs.js";
import { renderMarkdown, type SuiteReport } from "./lib/report.js";
import type { RowResult } from "./lib/result.js";
import { ROOT, startBenchSystem } from "./lib/system.js";
import { MiB } from "./lib/util.js";
import { runEcho } from "./rows/echo.js";
import { runHistoryRows } from "./rows/history.js";
import { runIngest } from "./rows/ingest.js";
import { runManySessions } from "./rows/many-sessions.js";
import { runMemory } from "./rows/memory.js";
import { runProfile, type ProfileOutcome } from "./rows/profile.js";
import { runScreenRows } from "./rows/screen.js";
import { runSpawnRows } from "./rows/spawn.js";
import { runThroughput } from "./rows/throughput.js";
import { runWeb } from "./rows/web.js";

const GROUPS = ["throughput", "ingest", "echo", "many", "memory", "screen", "web", "spawn", "profile"] as const;
type Group = (typeof GROUPS)[number];

/** Workload sizes and repeats, with the reason for each. */
const SUITE = Object.freeze({
  /** Row 1's session is also the "50 MB session" of rows 6, 8, 11: 48 MiB = 50.3 MB. */
  REALISTIC_BYTES: 48 * MiB,
  INCOMPRESSIBLE_BYTES: { quick: 16 * MiB, full: 32 * MiB },
  /** What the flooding session (row 5) and the paced writers (row 3) print. */
  SMALL_REALISTIC_BYTES: 8 * MiB,
  /** Rounds of rows 1-2 (bare and durable alternate); medians are reported. */
  THROUGHPUT_ROUNDS: { quick: 1, full: 3 },
  SEEDS: { realistic: 1, incompressible: 2, small: 3 },
});

function parseArgs(argv: string[]): { quick: boolean; groups: Set<Group>; subset: boolean } {
  const quick = argv.includes("--quick");
  const onlyAt = argv.indexOf("--only");
  let groups: Set<Group>;
  if (onlyAt >= 0) {
    const names = (argv[onlyAt + 1] ?? "").split(",").filter(Boolean);
    for (const n of names) if (!(GROUPS as readonly string[]).includes(n)) throw new Error(`unknown group ${n}; groups: ${GROUPS.join(", ")}`);
    groups = new Set(names as Group[]);
  } else {
    groups = new Set(GROUPS.filter((g) => g !== "profile" || !quick));
  }
  if (argv.includes("--profile")) groups.add("profile");
  return { quick, groups, subset: onlyAt >= 0 };
}

async function main(): Promise<void> {
  if (process.argv.includes("--render")) {
    const report = JSON.parse(readFileSync(path.join(ROOT, "bench/BENCHMARKS.json"), "utf8")) as SuiteReport;
    writeFileSync(path.join(ROOT, "BENCHMARKS.md"), renderMarkdown(report));
    return;
  }
  const { quick, groups, subset } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  const ctx = { quick, log };
  const dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-bench-"));
  // PostgreSQL runs as another user when the suite runs as root; it must reach its data dir.
  chmodSync(dir, 0o755);
  const resultsDir = path.join(ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  log(`mode ${quick ? "quick" : "full"}, groups ${[...groups].join(", ")}; work dir ${dir}`);

  const realistic = { file: writeCorpusFile(dir, "realistic", SUITE.REALISTIC_BYTES, SUITE.SEEDS.realistic), bytes: SUITE.REALISTIC_BYTES };
  const incBytes = quick ? SUITE.INCOMPRESSIBLE_BYTES.quick : SUITE.INCOMPRESSIBLE_BYTES.full;
  const incompressible = { file: writeCorpusFile(dir, "incompressible", incBytes, SUITE.SEEDS.incompressible), bytes: incBytes };
  const small = { file: writeCorpusFile(dir, "realistic", SUITE.SMALL_REALISTIC_BYTES, SUITE.SEEDS.small), bytes: SUITE.SMALL_REALISTIC_BYTES };
  log("corpus files written");

  const profileAllAt = process.argv.indexOf("--profile-all");
  const profileAllDir = profileAllAt >= 0 ? path.resolve(process.argv[profileAllAt + 1] ?? "") : undefined;
  const sys = await startBenchSystem({ dir, log, profileAllDir });
  const rows: RowResult[] = [];
  let profile: ProfileOutcome | undefined;
  const failures: string[] = [];
  const attempt = async (name: string, fn: () => Promise<void>) => {
    log(`${name}... (load average ${os.loadavg()[0]!.toFixed(1)})`);
    const before = rows.length;
    const loadBefore = os.loadavg()[0]!;
    try {
      await fn();
      // The machine is shared: say how busy it was around each row.
      for (const row of rows.slice(before).filter((r) => !r.data.loadAverage)) {
        row.data.loadAverage = [loadBefore, os.loadavg()[0]!];
        row.notes.push(`Load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after.`);
      }
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failures.push(`${name}: ${msg.split("\n")[0]}`);
      log(`${name} FAILED: ${msg}`);
    }
  };
  try {
    if (groups.has("throughput")) {
      await attempt("rows 1-2 (throughput)", async () => {
        const t = await runThroughput(sys, ctx, { realistic, incompressible }, quick ? SUITE.THROUGHPUT_ROUNDS.quick : SUITE.THROUGHPUT_ROUNDS.full);
        rows.push(...t.rows);
        await attempt("rows 7, 6, 11, 8 (history)", async () => {
          rows.push(...(await runHistoryRows(sys, ctx, { sessionId: t.historySessionId, bytes: t.historyBytes, corpusFile: realistic.file, bareRealisticMBs: t.bareRealisticMBs, bareRealisticCpuMsPerMb: t.bareRealisticCpuMsPerMb, compaction: t.compaction })));
        });
      });
    }
    if (groups.has("ingest")) await attempt("row 9 (ingest)", async () => void rows.push(await runIngest(sys, ctx)));
    if (groups.has("echo")) await attempt("rows 4-5 (echo)", async () => void rows.push(...(await runEcho(sys, ctx, small.file))));
    if (groups.has("many")) await attempt("row 3 (many sessions)", async () => void rows.push(await runManySessions(sys, ctx, small)));
    if (groups.has("memory")) await attempt("row 10 (memory)", async () => void rows.push(await runMemory(sys, ctx)));
    if (groups.has("screen")) await attempt("rows S1-S5 (screen)", async () => void rows.push(...(await runScreenRows(sys, ctx))));
    if (groups.has("web")) await attempt("rows W1-W4 (web gateway)", async () => void rows.push(...(await runWeb(sys, ctx, { realistic, small }))));
    if (groups.has("spawn")) await attempt("rows 14-15 (spawn)", async () => void rows.push(...(await runSpawnRows(sys, ctx))));
    if (groups.has("profile")) await attempt("profile of row 1", async () => void (profile = await runProfile(sys, ctx, realistic, resultsDir)));
  } finally {
    await sys.stop().catch((err: unknown) => log(`stopping the system: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
  }

  // "4b" sorts after "4": by the number it starts with, then as written (the sort is stable);
  // lettered groups (S1.., W1..) follow the numbered rows, by letter then number.
  const key = (id: string): [number, string, number] => (/^\d/.test(id) ? [Number.parseFloat(id), "", 0] : [Number.POSITIVE_INFINITY, id.replace(/\d.*$/, ""), Number.parseFloat(id.replace(/^\D+/, ""))]);
  rows.sort((a, b) => {
    const [an, al, ai] = key(a.id);
    const [bn, bl, bi] = key(b.id);
    return an !== bn ? an - bn : al !== bl ? (al < bl ? -1 : 1) : ai - bi;
  });
  const report: SuiteReport = {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    groups: [...groups],
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg(),
    seconds: (performance.now() - started) / 1000,
    rows,
    profile,
    failures,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = report.date.replace(/[:.]/g, "-");
  writeFileSync(path.join(resultsDir, `${stamp}-${report.mode}.json`), json);
  const md = renderMarkdown(report);
  writeFileSync(path.join(resultsDir, `${stamp}-${report.mode}.md`), md);
  // The committed report is the full run's; quick and partial runs only go to bench/results/.
  if (!subset && !quick) {
    writeFileSync(path.join(ROOT, "bench/BENCHMARKS.json"), json);
    writeFileSync(path.join(ROOT, "BENCHMARKS.md"), md);
    log("wrote BENCHMARKS.md and bench/BENCHMARKS.json");
  }
  log(`done in ${report.seconds.toFixed(0)} s; results in ${resultsDir}`);
  process.stdout.write(md);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
