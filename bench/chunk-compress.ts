/**
 * Where to compress output before PostgreSQL: what zstd costs and saves per unit of output the
 * path could compress on its own. Units: a 4.7 KB chunk (row 3's paced writers, one PTY burst),
 * a 60 KiB chunk (row 1's average stored chunk), 256 KiB and 1 MiB (one store flush, and the
 * compactor's segment). For each: the stored/raw ratio and the CPU ms per MB of raw output
 * (process.cpuUsage, so other load on the machine distorts it less than wall time), levels 1
 * and 3, realistic and incompressible corpus (bench/corpus.ts, seeded).
 *
 * Run: npx tsx bench/chunk-compress.ts          (about 20 s)
 */
import zstd from "zstd-napi/binding.js";
import { incompressibleCorpus, realisticCorpus } from "./corpus.js";

const PLAN = Object.freeze({
  BYTES: 16 * 1024 * 1024,
  UNITS: [4700, 60 * 1024, 256 * 1024, 1024 * 1024],
  LEVELS: [1, 3],
  PASSES: 3,
  SEEDS: { realistic: 1, incompressible: 2 },
});

function measure(data: Buffer, unit: number, level: number): { ratio: number; cpuMsPerMb: number; decCpuMsPerMb: number } {
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, level);
  const dctx = new zstd.DCtx();
  const out = Buffer.allocUnsafe(zstd.compressBound(unit));
  const back = Buffer.allocUnsafe(unit);
  let stored = 0;
  const frames: Buffer[] = [];
  const cpuPerMb: number[] = [];
  for (let pass = 0; pass < PLAN.PASSES; pass++) {
    stored = 0;
    const t0 = process.cpuUsage();
    for (let at = 0; at < data.length; at += unit) {
      const n = cctx.compress2(out, data.subarray(at, Math.min(data.length, at + unit)));
      stored += n;
      if (pass === 0) frames.push(Buffer.from(out.subarray(0, n)));
    }
    const t = process.cpuUsage(t0);
    cpuPerMb.push((t.user + t.system) / 1000 / (data.length / 1e6));
  }
  const d0 = process.cpuUsage();
  for (const f of frames) dctx.decompress(back, f);
  const d = process.cpuUsage(d0);
  cpuPerMb.sort((a, b) => a - b);
  return { ratio: stored / data.length, cpuMsPerMb: cpuPerMb[1]!, decCpuMsPerMb: (d.user + d.system) / 1000 / (data.length / 1e6) };
}

const corpora = { realistic: realisticCorpus(PLAN.BYTES, PLAN.SEEDS.realistic), incompressible: incompressibleCorpus(PLAN.BYTES, PLAN.SEEDS.incompressible) };
console.log("| corpus | unit | zstd level | stored/raw | compress CPU ms/MB (median of 3) | decompress CPU ms/MB |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const [name, data] of Object.entries(corpora)) {
  for (const unit of PLAN.UNITS) {
    for (const level of PLAN.LEVELS) {
      const m = measure(data, unit, level);
      console.log(`| ${name} | ${unit >= 1024 * 1024 ? `${unit / 1024 / 1024} MiB` : unit >= 10240 ? `${unit / 1024} KiB` : `${unit} B`} | ${level} | ${m.ratio.toFixed(3)} | ${m.cpuMsPerMb.toFixed(2)} | ${m.decCpuMsPerMb.toFixed(2)} |`);
    }
  }
}
