/**
 * Where the time of row 1 goes: the services are restarted with `--cpu-prof`, one durable
 * realistic run is made, the services stop (writing their profiles) and the profiles are summed
 * by area of the output path. PostgreSQL's share comes from /proc (its processes' CPU time).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { profilesIn, summariseProfile, type ProfileSummary } from "../lib/profile.js";
import { fmt, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { mbPerS } from "../lib/util.js";
import { discardSession, durableRun, type DurableRun } from "./throughput.js";

export interface ProfileOutcome {
  run: Omit<DurableRun, "sessionId">;
  mbPerS: number;
  profiles: ProfileSummary[];
  dir: string;
}

export async function runProfile(sys: BenchSystem, ctx: RunContext, corpus: { file: string; bytes: number }, outDir: string): Promise<ProfileOutcome> {
  const dir = path.join(outDir, `profiles-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  await sys.restartServices(dir);
  let run: DurableRun;
  try {
    run = await durableRun(sys, corpus.file, corpus.bytes);
    await discardSession(sys, run.sessionId);
  } finally {
    // Stopping writes the profiles; the services come back without profiling.
    await sys.restartServices();
  }
  const profiles = profilesIn(dir).map((f) => summariseProfile(f));
  ctx.log(`  profile: durable ${fmt(mbPerS(run.bytes, run.ms))} MB/s under --cpu-prof; profiles in ${dir}`);
  const { sessionId: _id, ...rest } = run;
  return { run: rest, mbPerS: mbPerS(run.bytes, run.ms), profiles, dir };
}

export function profileMarkdown(p: ProfileOutcome): string {
  const lines: string[] = [];
  const c = p.run.cpu;
  const perMb = (s: number) => fmt((s / (p.run.bytes / 1e6)) * 1000, 1);
  lines.push(
    `One durable run of the realistic corpus (${fmt(p.run.bytes / 2 ** 20, 0)} MiB) with both services under \`--cpu-prof\`: ${fmt(p.mbPerS)} MB/s (profiling slows it).`,
    "",
    "| process | CPU s | CPU ms per MB | share of wall time |",
    "|---|---:|---:|---:|",
    ...(
      [
        ["pty-service", c.pty],
        ["store-service", c.store],
        ["PostgreSQL (all backends)", c.postgres],
        ["suite (polling GetSession)", c.suite],
      ] as const
    ).map(([name, s]) => `| ${name} | ${fmt(s, 2)} | ${perMb(s)} | ${fmt((s / c.wallS) * 100, 0)}% |`),
    "",
  );
  for (const prof of p.profiles) {
    lines.push(`**${prof.file.replace(".cpuprofile", "")}**: ${fmt(prof.totalMs / 1000, 2)} s profiled (whole process life, start-up included).`, "");
    lines.push("| area | self ms | share |", "|---|---:|---:|");
    for (const a of prof.areas.filter((x) => x.share >= 0.005)) lines.push(`| ${a.area} | ${fmt(a.ms, 0)} | ${fmt(a.share * 100, 1)}% |`);
    lines.push("", "| busiest functions (self time) | ms | share of busy |", "|---|---:|---:|");
    for (const f of prof.top) lines.push(`| \`${f.fn.replace(/\|/g, "\\|")}\` | ${fmt(f.ms, 0)} | ${fmt(f.share * 100, 1)}% |`);
    lines.push("");
  }
  return lines.join("\n");
}
