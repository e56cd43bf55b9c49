/**
 * Compression of history segments: one small interface over the codecs a segment can be stored
 * with. The compactor records the CodecId beside every segment, so the default can change
 * without rewriting old history; readers dispatch on the recorded id.
 *
 * Why zstd level 3, 1 MiB segments, sliced on the event loop: measured with `npx tsx
 * bench/codecs.ts` on the seeded terminal corpus of bench/corpus.ts (coloured logs, compiler
 * output, `ls -l` listings, `\r` progress bars, full-screen TUI redraws; 16 MiB of the mix cut
 * into 1 MiB segments; 2-core VM, Node 20; ratio = stored/raw, MiB/s of raw bytes): zstd-3 0.168
 * at 325 MiB/s compress / 1320 decompress; gzip-6 0.168 at 59 / 347; brotli-6 0.143 at 52 / 511;
 * zstd-6 0.152 at 118 / 1278; zstd-9 0.145 at 67 / 1232 (brotli's text mode: same ratio). zstd-3
 * stores what `gzip -6` stores at 5x its compress and ~4x its decompress speed, so compaction
 * costs ~0.3 s of CPU per 100 MB and replay is never limited by decompression; levels 6-9 save
 * another 10-14% of disk for 3-5x the compactor CPU, taken from the same two cores as the live
 * output path; and the level is not needed to read, so it can be raised later without touching
 * old segments. 1 MiB segments come within 1% of compressing the whole corpus as one file (zstd-3
 * 0.167, gzip -6 0.167); 256 KiB loses 5%, 4 MiB gains <1% and quadruples per-segment memory and
 * stalls. Random base64 stays at 0.76 with every codec (zstd at ~750 MiB/s). zstd-napi is
 * synchronous: one 1 MiB compress holds the loop ~3 ms, so compression is fed in slices
 * (~0.8 ms longest stall, same frame and ratio); a 1 MiB decompress is one ~1 ms call.
 *
 * Bytes in, bytes out: nothing here decodes output to text. Decompression is told the raw
 * length the segment row recorded and refuses anything else, so a damaged or foreign segment
 * fails loudly instead of allocating whatever a header claims or returning short history.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { promisify } from "node:util";
import zlib from "node:zlib";
import zstd from "zstd-napi/binding.js";
import type { CCtx, DCtx } from "zstd-napi/binding.js";

/** How a segment's bytes are stored. Recorded per segment; never reuse a name for another format. */
export type CodecId = "zstd" | "brotli" | "gzip" | "none";

export const CODEC_IDS: readonly CodecId[] = ["zstd", "brotli", "gzip", "none"];

/** What the compactor writes new segments with. */
export const DEFAULT_CODEC: CodecId = "zstd";

/**
 * Raw bytes per segment the measurements above favour: within 1% of whole-file compression,
 * ~1 ms to decode, and the memory a reader holds at once. The compactor owns the final choice.
 */
export const SEGMENT_RAW_BYTES = 1024 * 1024;

export function isCodecId(value: unknown): value is CodecId {
  return typeof value === "string" && (CODEC_IDS as readonly string[]).includes(value);
}

const ZSTD = {
  // Ratio vs speed on terminal output: see the measurements above. Decompression speed barely
  // depends on the level, so this only trades compactor CPU for stored bytes.
  level: 3,
  // zstd-napi only offers synchronous calls, which run on the event loop that also serves
  // appends, acks and live reads. Feeding the codec this many bytes per turn bounds one stall
  // to about a millisecond on these machines while keeping one frame per segment (same ratio
  // as a single call); smaller slices only add turns.
  compressSliceBytes: 256 * 1024,
  // Decompression runs at ~1 GB/s, so a segment up to this size is one call (~1 ms) and a
  // larger one is produced this many bytes per turn, for the same reason.
  decompressSliceBytes: 1024 * 1024,
  // A 4-byte xxhash of the content in every frame: a damaged segment is detected on read
  // instead of replayed as wrong output. Measured: 0.65 vs 0.60 ms to decode 1 MiB (+9%).
  checksum: true,
  // Contexts kept warm for reuse. A context owns about a MB of window and match tables at this
  // level and filling fresh memory costs page faults here, so keep a few; more concurrent
  // calls create extra ones, dropped when they finish.
  maxIdleContexts: 4,
} as const;

const BROTLI = {
  // Not the default; kept so the default can move and measured alternatives stay readable.
  // Quality 6 is where brotli's ratio stops improving much for its speed on terminal output.
  quality: 6,
} as const;

const GZIP = {
  // The universal fallback and what `gzip -6` writes: same level, so the two are comparable.
  level: 6,
} as const;

/** A segment's stored bytes do not decode to what its row says. */
export class CorruptSegmentError extends Error {
  constructor(codec: CodecId, detail: string) {
    super(`segment (codec ${codec}) is damaged: ${detail}`);
    this.name = "CorruptSegmentError";
  }
}

export interface CompressOptions {
  /** Stops between slices; the partial work is discarded. */
  signal?: AbortSignal;
}

/**
 * Compresses `raw` with `codec`. Resolves to a new Buffer (for "none", a copy: the segment may
 * outlive the chunks it was made of).
 */
export async function compress(codec: CodecId, raw: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  options.signal?.throwIfAborted();
  switch (codec) {
    case "zstd":
      return zstdCompress(raw, options.signal);
    case "brotli":
      return brotliCompressAsync(raw, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI.quality,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      });
    case "gzip":
      return gzipAsync(raw, { level: GZIP.level });
    case "none":
      return Buffer.from(raw);
  }
}

/**
 * Decompresses a segment stored with `codec` whose raw length is `rawLength` (recorded beside
 * it). Throws CorruptSegmentError if the bytes do not decode to exactly that many bytes.
 */
export async function decompress(codec: CodecId, packed: Buffer, rawLength: number, options: CompressOptions = {}): Promise<Buffer> {
  if (!Number.isSafeInteger(rawLength) || rawLength < 0) throw new RangeError(`rawLength must be a non-negative integer, got ${rawLength}`);
  options.signal?.throwIfAborted();
  let out: Buffer;
  switch (codec) {
    case "zstd":
      return zstdDecompress(packed, rawLength, options.signal);
    case "brotli":
      out = await inflateBounded(codec, () => brotliDecompressAsync(packed, { maxOutputLength: Math.max(1, rawLength) }));
      break;
    case "gzip":
      out = await inflateBounded(codec, () => gunzipAsync(packed, { maxOutputLength: Math.max(1, rawLength) }));
      break;
    case "none":
      out = Buffer.from(packed);
      break;
  }
  if (out.length !== rawLength) throw new CorruptSegmentError(codec, `decoded ${out.length} bytes, the segment records ${rawLength}`);
  return out;
}

/**
 * Compresses with `codec` unless that does not save space (a `cat` of random bytes), in which
 * case the segment is stored as "none": never spend read time on a codec that gains nothing.
 */
export async function encodeSegment(raw: Buffer, options: CompressOptions & { codec?: CodecId } = {}): Promise<{ codec: CodecId; data: Buffer }> {
  const codec = options.codec ?? DEFAULT_CODEC;
  if (codec !== "none") {
    const data = await compress(codec, raw, options);
    if (data.length < raw.length) return { codec, data };
  }
  return { codec: "none", data: Buffer.from(raw) };
}

// ---------------------------------------------------------------------------------------------
// zlib family: Node runs the async forms on the libuv threadpool, off the event loop.

const brotliCompressAsync = promisify(zlib.brotliCompress);
const brotliDecompressAsync = promisify(zlib.brotliDecompress);
const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

async function inflateBounded(codec: CodecId, run: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await run();
  } catch (err) {
    // ERR_BUFFER_TOO_LARGE: more output than the row records; Z_DATA_ERROR etc.: not our format.
    throw new CorruptSegmentError(codec, err instanceof Error ? err.message : String(err));
  }
}

// ---------------------------------------------------------------------------------------------
// zstd through zstd-napi's binding: streaming calls so that one large segment is worked on in
// slices with event-loop turns between them. Contexts are pooled because concurrent calls
// interleave at those turns and a context holds one frame's state.

const idleCompressors: CCtx[] = [];
const idleDecompressors: DCtx[] = [];
const STREAM_OUT_BYTES = zstd.cStreamOutSize();

function takeCompressor(): CCtx {
  const reused = idleCompressors.pop();
  if (reused) return reused;
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, ZSTD.level);
  cctx.setParameter(zstd.CParameter.checksumFlag, ZSTD.checksum ? 1 : 0);
  return cctx;
}

function giveBackCompressor(cctx: CCtx, clean: boolean): void {
  // A context abandoned mid-frame must not leak that frame into the next caller's output.
  if (!clean) cctx.reset(zstd.ResetDirective.sessionOnly);
  if (idleCompressors.length < ZSTD.maxIdleContexts) idleCompressors.push(cctx);
}

async function zstdCompress(raw: Buffer, signal: AbortSignal | undefined): Promise<Buffer> {
  const cctx = takeCompressor();
  let clean = false;
  try {
    // The pledged size goes into the frame header, which lets decompress check it up front,
    // and lets zstd size its tables for this input as a one-shot call would.
    cctx.setPledgedSrcSize(raw.length);
    // Output goes into fixed-size pieces joined once at the end: the compressed size is not
    // known up front, and a compressBound-sized buffer per call would cost a segment-sized
    // allocation every time.
    const parts: Buffer[] = [];
    let total = 0;
    let out = Buffer.allocUnsafe(STREAM_OUT_BYTES);
    let outAt = 0;
    let at = 0;
    for (let first = true; ; first = false) {
      if (!first) {
        await nextTurn();
        signal?.throwIfAborted();
      }
      const end = Math.min(raw.length, at + ZSTD.compressSliceBytes);
      const last = end === raw.length;
      let input = raw.subarray(at, end);
      // Drive this slice through; on the last slice, until the frame is closed and flushed.
      for (;;) {
        const [remaining, produced, consumed] = cctx.compressStream2(out.subarray(outAt), input, last ? zstd.EndDirective.end : zstd.EndDirective.continue);
        outAt += produced;
        total += produced;
        if (outAt === out.length) {
          parts.push(out);
          out = Buffer.allocUnsafe(STREAM_OUT_BYTES);
          outAt = 0;
        }
        input = input.subarray(consumed);
        if (last ? remaining === 0 : input.length === 0) break;
      }
      at = end;
      if (last) break;
    }
    parts.push(out.subarray(0, outAt));
    clean = true;
    return Buffer.concat(parts, total);
  } finally {
    giveBackCompressor(cctx, clean);
  }
}

function takeDecompressor(): DCtx {
  return idleDecompressors.pop() ?? new zstd.DCtx();
}

function giveBackDecompressor(dctx: DCtx, clean: boolean): void {
  if (!clean) dctx.reset(zstd.ResetDirective.sessionOnly);
  if (idleDecompressors.length < ZSTD.maxIdleContexts) idleDecompressors.push(dctx);
}

async function zstdDecompress(packed: Buffer, rawLength: number, signal: AbortSignal | undefined): Promise<Buffer> {
  // Check the header before allocating: a segment is exactly one frame of exactly rawLength.
  let declared: number | null;
  let frameBytes: number;
  try {
    declared = zstd.getFrameContentSize(packed);
    frameBytes = zstd.findFrameCompressedSize(packed);
  } catch (err) {
    throw new CorruptSegmentError("zstd", err instanceof Error ? err.message : String(err));
  }
  if (declared !== rawLength) throw new CorruptSegmentError("zstd", `frame declares ${declared ?? "unknown"} bytes, the segment records ${rawLength}`);
  if (frameBytes !== packed.length) throw new CorruptSegmentError("zstd", `${packed.length - frameBytes} bytes follow the frame`);

  const out = Buffer.allocUnsafe(rawLength);
  const dctx = takeDecompressor();
  let clean = false;
  try {
    let written: number;
    if (rawLength <= ZSTD.decompressSliceBytes) {
      // One call: the streaming API copies through the context's window buffer, which
      // costs more than the turn it would save on a segment this small.
      written = guarded(() => dctx.decompress(out, packed));
    } else {
      written = await zstdDecompressSliced(dctx, packed, out, signal);
    }
    if (written !== rawLength) throw new CorruptSegmentError("zstd", `decoded ${written} of ${rawLength} bytes`);
    clean = true;
    return out;
  } finally {
    giveBackDecompressor(dctx, clean);
  }
}

async function zstdDecompressSliced(dctx: DCtx, packed: Buffer, out: Buffer, signal: AbortSignal | undefined): Promise<number> {
  const rawLength = out.length;
  let input = packed;
  let written = 0;
  for (let first = true; ; first = false) {
    if (!first) {
      await nextTurn();
      signal?.throwIfAborted();
    }
    const stop = Math.min(rawLength, written + ZSTD.decompressSliceBytes);
    let remaining: number;
    let progressed: boolean;
    do {
      const [rem, produced, consumed] = guarded(() => dctx.decompressStream(out.subarray(written, stop), input));
      remaining = rem;
      written += produced;
      input = input.subarray(consumed);
      progressed = produced > 0 || consumed > 0;
      // Past the last output byte only the frame's checksum is left: read it in this turn.
    } while (remaining !== 0 && progressed && (written < stop || written === rawLength));
    if (remaining === 0) break; // frame complete and fully flushed
    if (!progressed) throw new CorruptSegmentError("zstd", "frame ends early");
  }
  if (input.length !== 0) throw new CorruptSegmentError("zstd", `${input.length} bytes follow the frame`);
  return written;
}

/** zstd reports bad data, a checksum mismatch or output overflow as a thrown error code. */
function guarded<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw new CorruptSegmentError("zstd", err instanceof Error ? err.message : String(err));
  }
}
