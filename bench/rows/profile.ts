/**
 * Where the time of row 1 goes: the services are restarted with `--cpu-prof`, one durable
 * realistic run is made, the services stop (writing their profiles) and the profiles are summed
 * by area of the output path. PostgreSQL's share comes from /proc (its processes' CPU time).
 * A second window profiles the store alone ingesting small chunks (4.7 KB, rows 3 and 9), where
 * the cost per chunk rather than per byte decides.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { mainThreadProfiles, summariseProfile, type ProfileSummary } from "../lib/profile.js";
import { fmt, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { appendChunks, registerStoreSession } from "../lib/append.js";
import { compactAll } from "../lib/compaction.js";
import { readHistory } from "./history.js";
import { realisticCorpus } from "../corpus.js";
import { MiB, mbPerS, rpc } from "../lib/util.js";
import { discardSession, durableRun, type DurableRun } from "./throughput.js";

export interface ProfileOutcome {
  run: Omit<DurableRun, "sessionId">;
  mbPerS: number;
  profiles: ProfileSummary[];
  /** The store-service replaying the compacted run (row 6). */
  replay: { bytes: number; mbPerS: number; compacted: boolean; profiles: ProfileSummary[] };
  /** The store-service alone, ingesting small chunks. */
  smallChunks: { chunkBytes: number; bytes: number; mbPerS: number; profiles: ProfileSummary[] };
  dir: string;
}

/** The small-chunk ingest profiled after the durable run: chunk size of a bare node-pty read. */
const SMALL_CHUNK = Object.freeze({ BYTES: 4700, TOTAL: 16 * MiB, SEED: 11 });

export async function runProfile(sys: BenchSystem, ctx: RunContext, corpus: { file: string; bytes: number }, outDir: string): Promise<ProfileOutcome> {
  const dir = path.join(outDir, `profiles-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  await sys.restartServices(dir);
  let run: DurableRun;
  const small = realisticCorpus(SMALL_CHUNK.TOTAL, SMALL_CHUNK.SEED);
  let smallWindow: { fromUs: number; toUs: number };
  let replayWindow: { fromUs: number; toUs: number };
  let replay: { ms: number; bytes: number };
  let compacted = false;
  let smallMs: number;
  try {
    run = await durableRun(sys, corpus.file, corpus.bytes);
    compacted = (await compactAll(sys.db)).compacted;
    const replayFrom = Number(process.hrtime.bigint() / 1000n);
    replay = await readHistory(sys, run.sessionId);
    replayWindow = { fromUs: replayFrom, toUs: Number(process.hrtime.bigint() / 1000n) };
    await discardSession(sys, run.sessionId);
    const session = await registerStoreSession(sys.storeClient);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    smallMs = await appendChunks(sys.storeClient, session, small, SMALL_CHUNK.BYTES);
    smallWindow = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    await rpc(sys.storeClient, "DeleteSession", { sessionId: session.sessionId, force: true });
  } finally {
    // Stopping writes the profiles; the services come back without profiling.
    await sys.restartServices();
  }
  const files = mainThreadProfiles(dir);
  const profiles = files.map(([name, file]) => summariseProfile(name, file, run.window));
  const replayProfiles = files.filter(([name]) => name === "store-service").map(([name, file]) => summariseProfile(name, file, replayWindow));
  const smallProfiles = files.filter(([name]) => name === "store-service").map(([name, file]) => summariseProfile(name, file, smallWindow));
  ctx.log(`  profile: durable ${fmt(mbPerS(run.bytes, run.ms))} MB/s, small-chunk ingest ${fmt(mbPerS(small.length, smallMs))} MB/s under --cpu-prof; profiles in ${dir}`);
  const { sessionId: _id, ...rest } = run;
  return {
    run: rest,
    mbPerS: mbPerS(run.bytes, run.ms),
    profiles,
    replay: { bytes: replay.bytes, mbPerS: mbPerS(replay.bytes, replay.ms), compacted, profiles: replayProfiles },
    smallChunks: { chunkBytes: SMALL_CHUNK.BYTES, bytes: small.length, mbPerS: mbPerS(small.length, smallMs), profiles: smallProfiles },
    dir,
  };
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
  for (const prof of p.profiles) lines.push(...profileTables(prof, "during the run"));
  // Reports written before the replay was profiled have no replay section.
  if (p.replay) {
    lines.push(
      `Then ReadHistory of that session${p.replay.compacted ? ", compacted" : ""} (row 6): ${fmt(p.replay.mbPerS)} MB/s under the profiler.`,
      "",
    );
    for (const prof of p.replay.profiles) lines.push(...profileTables(prof, "during the replay"));
  }
  lines.push(
    `Then the store-service alone ingesting ${fmt(p.smallChunks.bytes / MiB, 0)} MiB in ${p.smallChunks.chunkBytes}-byte chunks from one AppendOutput stream (rows 3 and 9): ${fmt(p.smallChunks.mbPerS)} MB/s under the profiler.`,
    "",
  );
  for (const prof of p.smallChunks.profiles) lines.push(...profileTables(prof, "during the small-chunk ingest"));
  return lines.join("\n");
}

function profileTables(prof: ProfileSummary, when: string): string[] {
  const lines = [`**${prof.file}**: ${fmt(prof.totalMs / 1000, 2)} s sampled ${when}.`, ""];
  lines.push("| area (innermost frame of the area on the stack) | ms | share |", "|---|---:|---:|");
  for (const a of prof.areas.filter((x) => x.share >= 0.005)) lines.push(`| ${a.area} | ${fmt(a.ms, 0)} | ${fmt(a.share * 100, 1)}% |`);
  lines.push("", "| busiest functions (self time) | ms | share of busy |", "|---|---:|---:|");
  for (const f of prof.top) lines.push(`| \`${f.fn.replace(/\|/g, "\\|")}\` | ${fmt(f.ms, 0)} | ${fmt(f.share * 100, 1)}% |`);
  lines.push("");
  return lines;
}
