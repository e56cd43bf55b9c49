/**
 * Property-based tests of the request validators both services share, and of the stored segment
 * framing (compress/decompress with its recorded raw length). A validator either accepts a value
 * exactly when it is valid, or throws INVALID_ARGUMENT whose message starts with the field name;
 * it never throws anything else and never echoes an environment value. Decompression returns the
 * original bytes or refuses damaged input with CorruptSegmentError, never a crash; for the codecs
 * whose frames carry a checksum (zstd, gzip), never other bytes either.
 *
 * Fixed seed by default (the same cases on every run); FUZZ_RUNS=100000 FUZZ_SEED=<n> for a longer
 * or different run on demand.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Code, ServiceError, isUuid, validate } from "@ptykeep/proto";
import { CODEC_IDS, CorruptSegmentError, compress, decompress, type CodecId } from "../../store-service/src/codec.js";

/** Enough to cover every branch of each validator in well under a second per property. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
/** Compression is slower than validation; fewer cases keep the property under a few seconds. */
const CODEC_RUNS = Math.max(20, Math.floor(RUNS / 5));
const L = validate.REQUEST_LIMITS;

const params = (numRuns = RUNS): fc.Parameters<unknown> => ({ numRuns, seed: SEED });

/** Runs fn; returns undefined if it accepted the value, or the refusal, checked to be INVALID_ARGUMENT. */
function refusal(fn: () => unknown): ServiceError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe(Code.INVALID_ARGUMENT);
    return err as ServiceError;
  }
}

const uuidLike = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()), fc.string(), fc.stringMatching(/^[0-9a-fA-F-]{30,40}$/));
/** Strings with the characters validators care about: NUL, '=', multi-byte, shell syntax. */
const nasty = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("", "\0", "a=b", "é€😀", ";rm -rf /", "$(id)", "x".repeat(5000)));

describe("request validators", () => {
  it("session ids: accepted iff a UUID (lower-cased), else refused naming the field", () => {
    fc.assert(
      fc.property(uuidLike, (value) => {
        const err = refusal(() => validate.sessionId(value, "session_id"));
        if (err) {
          expect(value === "" || !isUuid(value)).toBe(true);
          expect(err.message).toMatch(/^session_id /);
        } else {
          expect(validate.sessionId(value)).toBe(value.toLowerCase());
        }
      }),
      params(),
    );
  });

  it("terminal sizes: accepted iff an integer in [1, 1000]", () => {
    const dims = fc.oneof(fc.integer({ min: -10, max: 1010 }), fc.integer(), fc.double(), fc.constantFrom(0, 100000, -1, NaN, Infinity));
    fc.assert(
      fc.property(dims, fc.constantFrom("rows" as const, "cols" as const), (value, field) => {
        const valid = Number.isInteger(value) && value >= 1 && value <= 1000;
        const err = refusal(() => validate.terminalDim(value, field));
        expect(err === undefined).toBe(valid);
        if (err) expect(err.message).toMatch(new RegExp(`^${field} must be between 1 and 1000`));
      }),
      params(),
    );
  });

  it("text fields: accepted iff within the byte limit, without NUL, non-empty when required", () => {
    fc.assert(
      fc.property(nasty, fc.integer({ min: 0, max: 4096 }), fc.boolean(), (value, max, required) => {
        const valid = Buffer.byteLength(value) <= max && !value.includes("\0") && (!required || value.length > 0);
        const err = refusal(() => validate.text(value, "command", { max, required }));
        expect(err === undefined).toBe(valid);
        if (err) expect(err.message).toMatch(/^command /);
      }),
      params(),
    );
  });

  it("args: refused entries are named by index", () => {
    fc.assert(
      fc.property(fc.array(nasty, { maxLength: 20 }), (values) => {
        const err = refusal(() => validate.args(values));
        const bad = values.findIndex((v) => v.includes("\0") || Buffer.byteLength(v) > L.MAX_ARG_BYTES);
        expect(err === undefined).toBe(bad < 0);
        if (err) expect(err.message).toMatch(new RegExp(`^args\\[${bad}\\] `));
      }),
      params(),
    );
  });

  it("labels: at most 64 entries, keys of the documented alphabet, refusals name the map", () => {
    const key = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,10}[A-Za-z0-9]$/), fc.string({ maxLength: 70 }));
    fc.assert(
      fc.property(fc.dictionary(key, nasty, { maxKeys: 80 }), (map) => {
        const err = refusal(() => validate.labels(map));
        const entries = Object.entries(map);
        const valid =
          entries.length <= L.MAX_LABELS &&
          entries.every(([k, v]) => /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(k) && Buffer.byteLength(k) <= L.MAX_LABEL_KEY_BYTES && Buffer.byteLength(v) <= L.MAX_LABEL_VALUE_BYTES && !v.includes("\0"));
        expect(err === undefined).toBe(valid);
        if (err) expect(err.message).toMatch(/^labels[ []/);
      }),
      params(),
    );
  });

  it("env: names with '=' or a leading digit are refused, and a value never appears in a message", () => {
    const name = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/), fc.string({ maxLength: 12 }), fc.constantFrom("A=B", "=", "1X", ""));
    // Values carry a marker so that an echo of any value would be visible in the message.
    const value = nasty.map((v) => `SECRET-${v}`);
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 8 }), (map) => {
        const err = refusal(() => validate.env(map));
        const entries = Object.entries(map);
        const valid = entries.every(([n, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && !v.includes("\0"));
        expect(err === undefined).toBe(valid);
        if (err) {
          expect(err.message).toMatch(/^env[ [\]]/);
          expect(err.message).not.toContain("SECRET-");
        }
      }),
      params(),
    );
  });
});

describe("segment framing", () => {
  const codec = fc.constantFrom(...CODEC_IDS);
  // Compressible (repeated) and incompressible (random) data, empty included.
  const raw = fc.oneof(fc.uint8Array({ maxLength: 4096 }), fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 2000 })).map(([b, n]) => Buffer.concat(Array.from({ length: n }, () => Buffer.from(b)))));

  /** Compresses `bytes`, flips bits of one byte of the result, and decodes it against a recorded length off by `lengthDelta`. */
  async function damaged(c: CodecId, bytes: Uint8Array, at: number, flip: number, lengthDelta: number): Promise<{ data: Buffer; recorded: number; out: Buffer | undefined }> {
    const data = Buffer.from(bytes);
    const packed = await compress(c, data);
    if (packed.length > 0) packed[at % packed.length]! ^= flip;
    const recorded = Math.max(0, data.length + lengthDelta);
    try {
      return { data, recorded, out: await decompress(c, packed, recorded) };
    } catch (err) {
      expect(err).toBeInstanceOf(CorruptSegmentError);
      return { data, recorded, out: undefined };
    }
  }
  const damage = [fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -3, max: 3 })] as const;

  it("decompress(compress(x)) is x for every codec", async () => {
    await fc.assert(
      fc.asyncProperty(codec, raw, async (c, bytes) => {
        const data = Buffer.from(bytes);
        const packed = await compress(c, data);
        expect((await decompress(c, packed, data.length)).equals(data)).toBe(true);
      }),
      params(CODEC_RUNS),
    );
  });

  // zstd frames carry a checksum of their content (ZSTD.checksum) and gzip a CRC-32: damage to
  // either decodes to the original bytes (a field nothing reads, or a flip of 0) or is refused.
  it("damaged zstd and gzip segments and wrong recorded lengths: the original bytes or CorruptSegmentError, never other bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<CodecId>("zstd", "gzip"), raw, ...damage, async (c, bytes, at, flip, lengthDelta) => {
        const { data, recorded, out } = await damaged(c, bytes, at, flip, lengthDelta);
        if (out) expect(out.equals(data)).toBe(true);
        // Nothing damaged: never refused.
        if (flip === 0 && recorded === data.length) expect(out).toBeDefined();
      }),
      params(CODEC_RUNS),
    );
  });

  // brotli frames and "none" (stored as is when compression does not pay) carry no checksum, so
  // a flipped bit in them can only be caught where it changes the decoded length: that much is
  // promised, and asserted, here.
  it("brotli and uncompressed segments: a wrong recorded length is refused; damage never changes the length returned", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<CodecId>("brotli", "none"), raw, ...damage, async (c, bytes, at, flip, lengthDelta) => {
        const { data, recorded, out } = await damaged(c, bytes, at, flip, lengthDelta);
        if (out) expect(out.length).toBe(recorded);
        if (recorded !== data.length) expect(out).toBeUndefined();
        if (flip === 0 && recorded === data.length) expect(out?.equals(data)).toBe(true);
      }),
      params(CODEC_RUNS),
    );
  });
});
