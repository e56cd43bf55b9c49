// Segment codecs: every codec gives back exactly the bytes it was given, on realistic terminal
// output, on incompressible data and on the edge sizes, and refuses damaged segments.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CORPORA, realisticCorpus } from "../../bench/corpus.js";
import { CODEC_IDS, compress, CorruptSegmentError, decompress, DEFAULT_CODEC, encodeSegment, isCodecId, type CodecId } from "./codec.js";

const KiB = 1024;
const MiB = 1024 * KiB;

// Sizes around the zstd slice boundaries (256 KiB in, 1 MiB out) and a multi-slice segment.
const SAMPLES: [string, Buffer][] = [
  ["empty", Buffer.alloc(0)],
  ["one byte", Buffer.from([0x1b])],
  ["realistic 1 MiB", realisticCorpus(MiB, 1)],
  ["realistic 256 KiB - 1", realisticCorpus(256 * KiB - 1, 2)],
  ["realistic 256 KiB + 1", realisticCorpus(256 * KiB + 1, 3)],
  ["realistic 3 MiB + 5", realisticCorpus(3 * MiB + 5, 4)],
  ...Object.entries(CORPORA).map(([kind, gen]): [string, Buffer] => [`${kind} 200 KiB`, gen(200 * KiB, 5)]),
  ["random bytes 300 KiB", randomBytes(300 * KiB)],
];

describe("segment codecs", () => {
  for (const codec of CODEC_IDS) {
    it(`${codec}: round-trips every sample byte for byte`, async () => {
      for (const [name, raw] of SAMPLES) {
        const packed = await compress(codec, raw);
        const back = await decompress(codec, packed, raw.length);
        expect(back.equals(raw), `${codec} / ${name}`).toBe(true);
      }
    });
  }

  for (const codec of CODEC_IDS.filter((c) => c !== "none")) {
    it(`${codec}: compresses realistic terminal output well`, async () => {
      const raw = realisticCorpus(MiB, 9);
      const packed = await compress(codec, raw);
      // Every codec here beats 0.2 on the corpus (bench/codecs.ts); gzip-6 is the worst at ~0.17.
      expect(packed.length / raw.length).toBeLessThan(0.2);
    });

    it(`${codec}: refuses a segment whose recorded length is wrong`, async () => {
      const raw = realisticCorpus(64 * KiB, 10);
      const packed = await compress(codec, raw);
      await expect(decompress(codec, packed, raw.length - 1)).rejects.toBeInstanceOf(CorruptSegmentError);
      await expect(decompress(codec, packed, raw.length + 1)).rejects.toBeInstanceOf(CorruptSegmentError);
    });

    it(`${codec}: refuses a truncated segment`, async () => {
      // Both sizes: zstd decodes small segments in one call and large ones in slices.
      for (const bytes of [300 * KiB, 3 * MiB]) {
        const raw = realisticCorpus(bytes, 11);
        const packed = await compress(codec, raw);
        await expect(decompress(codec, packed.subarray(0, packed.length - 7), raw.length)).rejects.toBeInstanceOf(CorruptSegmentError);
        await expect(decompress(codec, packed.subarray(0, packed.length >> 1), raw.length)).rejects.toBeInstanceOf(CorruptSegmentError);
      }
    });
  }

  // brotli has no checksum; zstd (frame checksum) and gzip (CRC-32) catch a flipped byte.
  for (const codec of ["zstd", "gzip"] as const) {
    it(`${codec}: refuses a segment with a damaged byte`, async () => {
      for (const bytes of [300 * KiB, 3 * MiB]) {
        const raw = realisticCorpus(bytes, 12);
        const packed = Buffer.from(await compress(codec, raw));
        const at = Math.floor(packed.length / 2);
        packed[at] = packed[at]! ^ 0x40;
        await expect(decompress(codec, packed, raw.length)).rejects.toBeInstanceOf(CorruptSegmentError);
      }
    });
  }

  it("zstd: refuses bytes after the frame", async () => {
    const raw = realisticCorpus(10 * KiB, 13);
    const packed = await compress("zstd", raw);
    await expect(decompress("zstd", Buffer.concat([packed, Buffer.from([0])]), raw.length)).rejects.toBeInstanceOf(CorruptSegmentError);
  });

  it("zstd: concurrent calls interleaving at slice turns keep their own frames", async () => {
    const raws = [1, 2, 3, 4, 5, 6].map((seed) => realisticCorpus(MiB + seed * 1000, 100 + seed));
    const packed = await Promise.all(raws.map((raw) => compress("zstd", raw)));
    const back = await Promise.all(packed.map((p, i) => decompress("zstd", p, raws[i]!.length)));
    back.forEach((b, i) => expect(b.equals(raws[i]!)).toBe(true));
  });

  it("zstd: a large segment lets the event loop run while it is (de)compressed", async () => {
    const raw = realisticCorpus(2 * MiB, 14);
    let turns = 0;
    const probe = () => {
      turns++;
      if (!done) setImmediate(probe);
    };
    let done = false;
    setImmediate(probe);
    const packed = await compress("zstd", raw);
    const turnsDuringCompress = turns;
    const back = await decompress("zstd", packed, raw.length);
    done = true;
    expect(turnsDuringCompress).toBeGreaterThan(1);
    expect(turns).toBeGreaterThan(turnsDuringCompress);
    expect(back.equals(raw)).toBe(true);
  });

  it("zstd: an aborted compression stops and leaves the codec usable", async () => {
    const raw = realisticCorpus(2 * MiB, 15);
    const controller = new AbortController();
    const pending = compress("zstd", raw, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    // The pooled context was reset: the next frame is not polluted by the abandoned one.
    const packed = await compress("zstd", raw);
    expect((await decompress("zstd", packed, raw.length)).equals(raw)).toBe(true);
  });

  it("encodeSegment stores incompressible bytes as none and terminal output with the default", async () => {
    const random = randomBytes(64 * KiB);
    const stored = await encodeSegment(random);
    expect(stored.codec).toBe("none");
    expect((await decompress(stored.codec, stored.data, random.length)).equals(random)).toBe(true);

    const text = realisticCorpus(64 * KiB, 16);
    const packed = await encodeSegment(text);
    expect(packed.codec).toBe(DEFAULT_CODEC);
    expect(packed.data.length).toBeLessThan(text.length / 4);
    expect((await decompress(packed.codec, packed.data, text.length)).equals(text)).toBe(true);
  });

  it("names codecs it knows and no others", () => {
    for (const id of CODEC_IDS) expect(isCodecId(id)).toBe(true);
    for (const bad of ["", "ZSTD", "lz4", "zstd ", 1, null, undefined]) expect(isCodecId(bad)).toBe(false);
    const id: CodecId = DEFAULT_CODEC;
    expect(CODEC_IDS).toContain(id);
  });
});
