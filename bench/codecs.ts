// Codec measurement for history segments: which compressor should the compactor use?
//
//   npx tsx bench/codecs.ts [--quick] [--json <file>]
//
// Compresses the seeded terminal corpus (bench/corpus.ts) the way the compactor will: a run
// of consecutive output cut into segments of one size, each segment compressed on its own.
// For every corpus kind and codec it reports the compression ratio (compressed / raw, lower is
// better) and compress / decompress throughput in MiB/s of raw bytes; then the segment-size
// sweep on the realistic mix against "whole corpus as one file"; then what each way of calling
// the chosen codec costs the event loop. Every decompression is checked byte for byte.
//
// Figures are from one process on a shared machine: read them as orders of magnitude and as
// ratios between codecs measured in the same run, not as absolutes.

import { spawnSync } from "node:child_process";
import os from "node:os";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";
import { Compressor, Decompressor } from "zstd-napi";
import { CORPORA, realisticCorpus } from "./corpus.js";
import { compress as codecCompress, decompress as codecDecompress, DEFAULT_CODEC } from "../store-service/src/codec.js";

const BENCH = {
  seed: 20_26,
  // Raw bytes per (corpus kind, codec) cell: enough segments that one slow call does not
  // decide the figure, small enough that brotli-9 and gzip-9 keep the run under two minutes.
  bytesPerCell: { full: 2 * 1024 * 1024, quick: 1024 * 1024 },
  // The segment size the per-kind table uses (the compactor's default candidate).
  kindTableSegmentBytes: 1024 * 1024,
  // Segment sizes the compactor could choose between.
  segmentSizes: { full: [256 * 1024, 1024 * 1024, 4 * 1024 * 1024], quick: [256 * 1024, 1024 * 1024] },
  // Raw bytes for the segment-size sweep and the whole-file comparison (issue 7, row 7).
  sweepBytes: { full: 16 * 1024 * 1024, quick: 4 * 1024 * 1024 },
  // Segment for the event-loop cost table.
  eventLoopSegmentBytes: 1024 * 1024,
  eventLoopRepeats: { full: 9, quick: 5 },
  // Passes per cell (see measureCell): the median of at least three is stable to ~10% here.
  passes: { full: { min: 3, max: 9, minMs: 250 }, quick: { min: 2, max: 5, minMs: 60 } },
} as const;

const MiB = 1024 * 1024;

/** One way to compress and decompress a buffer, as the store would call it. */
export interface CodecSpec {
  name: string;
  compress(raw: Buffer): Buffer;
  decompress(packed: Buffer, rawLength: number): Buffer;
}

function gzip(level: number): CodecSpec {
  return {
    name: `gzip-${level}`,
    compress: (raw) => zlib.gzipSync(raw, { level }),
    decompress: (packed) => zlib.gunzipSync(packed),
  };
}

function deflateRaw(level: number): CodecSpec {
  return {
    name: `deflate-raw-${level}`,
    compress: (raw) => zlib.deflateRawSync(raw, { level }),
    decompress: (packed) => zlib.inflateRawSync(packed),
  };
}

function brotli(quality: number, text: boolean): CodecSpec {
  return {
    name: `brotli-${quality}${text ? "-text" : ""}`,
    compress: (raw) =>
      zlib.brotliCompressSync(raw, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
          [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      }),
    decompress: (packed) => zlib.brotliDecompressSync(packed),
  };
}

function zstd(level: number): CodecSpec {
  // One context per level, reused across calls, as a long-lived compactor would.
  const compressor = new Compressor();
  compressor.setParameters({ compressionLevel: level });
  const decompressor = new Decompressor();
  return {
    name: `zstd-${level}`,
    compress: (raw) => compressor.compress(raw),
    decompress: (packed) => decompressor.decompress(packed),
  };
}

export function allCodecs(quick: boolean): CodecSpec[] {
  if (quick) return [gzip(6), brotli(4, false), brotli(6, false), zstd(1), zstd(3), zstd(9)];
  return [
    gzip(1),
    gzip(6),
    gzip(9),
    deflateRaw(6),
    brotli(1, false),
    brotli(4, false),
    brotli(4, true),
    brotli(6, false),
    brotli(6, true),
    // Text mode measured no different from generic at 4 and 6; not repeated at the slowest level.
    brotli(9, false),
    zstd(1),
    zstd(3),
    zstd(6),
    zstd(9),
    zstd(12),
  ];
}

export interface CellResult {
  corpus: string;
  segmentBytes: number;
  codec: string;
  rawBytes: number;
  packedBytes: number;
  ratio: number;
  compressMiBs: number;
  decompressMiBs: number;
  /** Slowest single call, in ms: how long one segment holds the thread. */
  maxCompressMs: number;
  maxDecompressMs: number;
}

function segmentsOf(data: Buffer, segmentBytes: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += segmentBytes) out.push(data.subarray(at, Math.min(data.length, at + segmentBytes)));
  return out;
}

function nowMs(): number {
  return performance.now();
}

/**
 * Compresses every segment on its own, then decompresses and checks each one; repeats the pass
 * and keeps the median time per segment. Repeats matter here: on these VMs a fresh large
 * buffer costs page faults of the same order as the codec itself, and which call pays them
 * is luck, so a single pass can make any codec look 3x slower than it is.
 */
export function measureCell(corpus: string, data: Buffer, segmentBytes: number, codec: CodecSpec, passes: PassPolicy): CellResult {
  const segments = segmentsOf(data, segmentBytes);
  // Warm up: first call allocates contexts and tables, which a long-lived service pays once.
  const first = segments[0]!;
  codec.decompress(codec.compress(first), first.length);

  const compressTimes: number[][] = segments.map(() => []);
  const decompressTimes: number[][] = segments.map(() => []);
  let packed: Buffer[] = [];
  const started = nowMs();
  for (let pass = 0; pass < passes.max && (pass < passes.min || nowMs() - started < passes.minMs); pass++) {
    packed = [];
    segments.forEach((seg, i) => {
      const t0 = nowMs();
      packed.push(codec.compress(seg));
      compressTimes[i]!.push(nowMs() - t0);
    });
    segments.forEach((seg, i) => {
      const t0 = nowMs();
      const back = codec.decompress(packed[i]!, seg.length);
      decompressTimes[i]!.push(nowMs() - t0);
      if (!back.equals(seg)) throw new Error(`${codec.name} on ${corpus}: segment ${i} did not round-trip`);
    });
  }
  const compressMs = compressTimes.map(median);
  const decompressMs = decompressTimes.map(median);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const rawBytes = data.length;
  const packedBytes = sum(packed.map((b) => b.length));
  return {
    corpus,
    segmentBytes,
    codec: codec.name,
    rawBytes,
    packedBytes,
    ratio: packedBytes / rawBytes,
    compressMiBs: rawBytes / MiB / (sum(compressMs) / 1000),
    decompressMiBs: rawBytes / MiB / (sum(decompressMs) / 1000),
    maxCompressMs: Math.max(...compressMs),
    maxDecompressMs: Math.max(...decompressMs),
  };
}

/** How many times a cell is measured: at least `min` passes and `minMs`, at most `max` passes. */
export interface PassPolicy {
  min: number;
  max: number;
  minMs: number;
}

// ---------------------------------------------------------------------------------------------
// Event-loop cost: a store replica serves acks and live reads on the same thread that runs the
// compactor and ReadHistory, so what matters is the longest stall one segment causes.

export interface EventLoopResult {
  way: string;
  /** Wall time for one segment, ms (median of repeats). */
  wallMs: number;
  /** Longest gap between event-loop turns while it ran, ms (median over repeats). */
  maxStallMs: number;
}

/** Runs `work` while a setImmediate chain records the longest gap between event-loop turns. */
async function withStallProbe(work: () => Promise<unknown> | unknown): Promise<{ wallMs: number; maxStallMs: number }> {
  let last = nowMs();
  let maxGap = 0;
  let running = true;
  const tick = () => {
    const t = nowMs();
    maxGap = Math.max(maxGap, t - last);
    last = t;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  // Let the probe take its first turn so the measured gap starts from a live loop.
  await new Promise((r) => setImmediate(r));
  const t0 = nowMs();
  last = t0;
  await work();
  const wallMs = nowMs() - t0;
  // The stall the synchronous part caused ends at the next turn after the work.
  await new Promise((r) => setImmediate(r));
  running = false;
  return { wallMs, maxStallMs: maxGap };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measureEventLoop(quick: boolean): Promise<EventLoopResult[]> {
  const seg = realisticCorpus(BENCH.eventLoopSegmentBytes, BENCH.seed + 1);
  const repeats = quick ? BENCH.eventLoopRepeats.quick : BENCH.eventLoopRepeats.full;
  const brotliOpts = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 6, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: seg.length } };
  const gz = zlib.gzipSync(seg, { level: 6 });
  const br = zlib.brotliCompressSync(seg, brotliOpts);
  const z = zstd(3);
  const zs = z.compress(seg);
  const packedDefault = await codecCompress(DEFAULT_CODEC, seg);
  const promisify =
    <T>(fn: (cb: (err: Error | null, out: T) => void) => void) =>
    () =>
      new Promise<T>((resolve, reject) => fn((err, out) => (err ? reject(err) : resolve(out))));
  const ways: [string, () => unknown][] = [
    ["gzip-6 compress, sync", () => zlib.gzipSync(seg, { level: 6 })],
    ["gzip-6 compress, async (threadpool)", promisify<Buffer>((cb) => zlib.gzip(seg, { level: 6 }, cb))],
    ["gzip decompress, sync", () => zlib.gunzipSync(gz)],
    ["gzip decompress, async (threadpool)", promisify<Buffer>((cb) => zlib.gunzip(gz, cb))],
    ["brotli-6 compress, sync", () => zlib.brotliCompressSync(seg, brotliOpts)],
    ["brotli-6 compress, async (threadpool)", promisify<Buffer>((cb) => zlib.brotliCompress(seg, brotliOpts, cb))],
    ["brotli decompress, sync", () => zlib.brotliDecompressSync(br)],
    ["brotli decompress, async (threadpool)", promisify<Buffer>((cb) => zlib.brotliDecompress(br, cb))],
    ["zstd-3 compress, sync (one call)", () => z.compress(seg)],
    ["zstd decompress, sync (one call)", () => z.decompress(zs, seg.length)],
    [`codec.ts compress (${DEFAULT_CODEC})`, () => codecCompress(DEFAULT_CODEC, seg)],
    [`codec.ts decompress (${DEFAULT_CODEC})`, () => codecDecompress(DEFAULT_CODEC, packedDefault, seg.length)],
  ];
  const out: EventLoopResult[] = [];
  for (const [way, work] of ways) {
    await withStallProbe(work); // warm-up
    const walls: number[] = [];
    const stalls: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const r = await withStallProbe(work);
      walls.push(r.wallMs);
      stalls.push(r.maxStallMs);
    }
    // Medians: on a shared machine the worst repeat measures the scheduler, not the codec.
    out.push({ way, wallMs: median(walls), maxStallMs: median(stalls) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Whole corpus as one file vs per-segment (issue 7 row 7's baseline).

export interface WholeFileResult {
  way: string;
  rawBytes: number;
  packedBytes: number;
  ratio: number;
}

function gzipCli(data: Buffer): number | null {
  const r = spawnSync("gzip", ["-6", "-c"], { input: data, maxBuffer: data.length * 2 });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.length;
}

// ---------------------------------------------------------------------------------------------
// Report.

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}
function size(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}

function cellTable(rows: CellResult[], firstCol: "corpus" | "segment"): string {
  const head =
    firstCol === "corpus"
      ? "| corpus | codec | ratio | compress MiB/s | decompress MiB/s | max ms/segment (c / d) |\n|---|---|---:|---:|---:|---:|"
      : "| segment | codec | ratio | compress MiB/s | decompress MiB/s | max ms/segment (c / d) |\n|---|---|---:|---:|---:|---:|";
  const lines = rows.map(
    (r) =>
      `| ${firstCol === "corpus" ? r.corpus : size(r.segmentBytes)} | ${r.codec} | ${fmt(r.ratio, 3)} | ${fmt(r.compressMiBs, 0)} | ${fmt(r.decompressMiBs, 0)} | ${fmt(r.maxCompressMs, 1)} / ${fmt(r.maxDecompressMs, 1)} |`,
  );
  return [head, ...lines].join("\n");
}

export interface CodecReport {
  date: string;
  cores: number;
  cpu: string;
  node: string;
  quick: boolean;
  perKind: CellResult[];
  sweep: CellResult[];
  wholeFile: WholeFileResult[];
  eventLoop: EventLoopResult[];
  seconds: number;
}

export async function runCodecBench(options: { quick: boolean; log?: (line: string) => void }): Promise<CodecReport> {
  const { quick } = options;
  const log = options.log ?? (() => {});
  const started = nowMs();
  const bytesPerCell = quick ? BENCH.bytesPerCell.quick : BENCH.bytesPerCell.full;
  const codecs = allCodecs(quick);
  const passes = quick ? BENCH.passes.quick : BENCH.passes.full;

  const perKind: CellResult[] = [];
  for (const [corpus, gen] of Object.entries(CORPORA)) {
    const data = gen(bytesPerCell, BENCH.seed);
    for (const codec of codecs) {
      perKind.push(measureCell(corpus, data, BENCH.kindTableSegmentBytes, codec, passes));
      log(`  ${corpus} ${codec.name}`);
    }
  }

  // Segment-size sweep on the realistic mix, with the codecs that are in contention.
  const sweepBytes = quick ? BENCH.sweepBytes.quick : BENCH.sweepBytes.full;
  const sweepData = realisticCorpus(sweepBytes, BENCH.seed);
  const sweepCodecs = quick ? [gzip(6), brotli(6, false), zstd(3), zstd(9)] : [gzip(6), brotli(4, false), brotli(6, false), zstd(1), zstd(3), zstd(6), zstd(9)];
  const sweep: CellResult[] = [];
  for (const segmentBytes of quick ? BENCH.segmentSizes.quick : BENCH.segmentSizes.full) {
    for (const codec of sweepCodecs) {
      sweep.push(measureCell("realistic", sweepData, segmentBytes, codec, passes));
      log(`  sweep ${size(segmentBytes)} ${codec.name}`);
    }
  }

  const wholeFile: WholeFileResult[] = [];
  const whole = (way: string, packedBytes: number | null) => {
    if (packedBytes !== null) wholeFile.push({ way, rawBytes: sweepData.length, packedBytes, ratio: packedBytes / sweepData.length });
  };
  whole("gzip -6 (zlib), whole file", zlib.gzipSync(sweepData, { level: 6 }).length);
  whole("gzip -6 (gzip CLI), whole file", gzipCli(sweepData));
  for (const level of [3, 9]) whole(`zstd-${level}, whole file`, zstd(level).compress(sweepData).length);
  whole("brotli-6, whole file", brotli(6, false).compress(sweepData).length);
  whole(`codec.ts ${DEFAULT_CODEC}, whole file`, (await codecCompress(DEFAULT_CODEC, sweepData)).length);
  log("  whole file");

  const eventLoop = await measureEventLoop(quick);
  log("  event loop");

  return {
    date: new Date().toISOString(),
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    node: process.version,
    quick,
    perKind,
    sweep,
    wholeFile,
    eventLoop,
    seconds: (nowMs() - started) / 1000,
  };
}

export function reportMarkdown(r: CodecReport): string {
  const sweepRaw = r.sweep[0]?.rawBytes ?? 0;
  return [
    `## Codecs on terminal output${r.quick ? " (quick)" : ""}`,
    "",
    `${r.date}, ${r.cores} cores (${r.cpu}), Node ${r.node}. Seeded corpus from bench/corpus.ts.`,
    "ratio = compressed / raw (lower is better); MiB/s of raw bytes; max ms = slowest single segment.",
    "",
    `### Per corpus kind, ${size(BENCH.kindTableSegmentBytes)} segments, ${size(r.perKind[0]?.rawBytes ?? 0)} per cell`,
    "",
    cellTable(r.perKind, "corpus"),
    "",
    `### Segment size, realistic mix (${size(sweepRaw)} of consecutive output)`,
    "",
    cellTable(r.sweep, "segment"),
    "",
    "### Whole corpus as one file (same bytes as the sweep)",
    "",
    "| way | ratio |",
    "|---|---:|",
    ...r.wholeFile.map((w) => `| ${w.way} | ${fmt(w.ratio, 4)} |`),
    "",
    `### Event-loop cost of one ${size(BENCH.eventLoopSegmentBytes)} realistic segment`,
    "",
    "| way | wall ms (median) | longest event-loop stall ms (median) |",
    "|---|---:|---:|",
    ...r.eventLoop.map((e) => `| ${e.way} | ${fmt(e.wallMs, 2)} | ${fmt(e.maxStallMs, 2)} |`),
    "",
    `Run took ${fmt(r.seconds, 1)} s.`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const jsonAt = args.indexOf("--json");
  const jsonPath = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  if (jsonAt >= 0 && !jsonPath) throw new Error("--json needs a file path");
  const report = await runCodecBench({ quick, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(reportMarkdown(report));
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
