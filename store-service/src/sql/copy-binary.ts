/**
 * Writes output_chunks rows with COPY … FROM STDIN in PostgreSQL's binary format: the data goes
 * over the wire as is (no hex or escape encoding of bytea, no parameter arrays), which makes it
 * the fastest way measured to load these rows (bench/ingest-methods.ts).
 *
 * Reads the other way round too: `COPY (SELECT …) TO STDOUT (FORMAT binary)` returns bytea as
 * the bytes themselves, where a plain SELECT sends them as hex text that node-postgres turns into
 * a string and decodes again (bench/bytea-read.ts: 4.5-7 against 28-34 ms of client CPU per MB).
 * COPY takes no parameters, so the few values a read needs are written into the statement by
 * the literal helpers below, which accept only what they can write safely.
 *
 * Binary COPY format: an 11-byte signature, flags and extension length, then per row a field
 * count and each field as (int32 length, bytes), then -1 as the trailer.
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import pg from "pg";
import type { Queryable } from "../db/pool.js";
import type { ChunkInsert } from "./chunks.js";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** PostgreSQL timestamps count microseconds from 2000-01-01 UTC. */
const PG_EPOCH_MICROS = 946_684_800_000_000n;
const FIELDS_PER_ROW = 5;
/** Bytes of one row's fixed part: field count, uuid, two int8, timestamptz, and five lengths. */
const ROW_FIXED_BYTES = 2 + 4 * FIELDS_PER_ROW + 16 + 8 + 8 + 8;
/** Rows are grouped into buffers of about this size before they go to the socket. */
const WRITE_BUFFER_BYTES = 256 * 1024;

function header(): Buffer {
  const b = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(b, 0);
  return b; // flags 0, header extension length 0
}

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ""), "hex");
}

/** Encodes rows as binary COPY data, in buffers of about WRITE_BUFFER_BYTES. */
export function* encodeChunks(chunks: ChunkInsert[]): Generator<Buffer> {
  yield header();
  const parts: Buffer[] = [];
  let size = 0;
  for (const c of chunks) {
    const fixed = Buffer.alloc(ROW_FIXED_BYTES);
    let o = fixed.writeInt16BE(FIELDS_PER_ROW, 0);
    o = fixed.writeInt32BE(16, o);
    o += uuidBytes(c.sessionId).copy(fixed, o);
    o = fixed.writeInt32BE(8, o);
    o = fixed.writeBigInt64BE(BigInt(c.seq), o);
    o = fixed.writeInt32BE(8, o);
    o = fixed.writeBigInt64BE(BigInt(c.offset), o);
    o = fixed.writeInt32BE(8, o);
    o = fixed.writeBigInt64BE(BigInt(c.tsMicros) - PG_EPOCH_MICROS, o);
    fixed.writeInt32BE(c.data.length, o);
    parts.push(fixed, c.data);
    size += fixed.length + c.data.length;
    if (size >= WRITE_BUFFER_BYTES) {
      yield Buffer.concat(parts);
      parts.length = 0;
      size = 0;
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  parts.push(trailer);
  yield Buffer.concat(parts);
}

/**
 * COPYs rows straight into output_chunks. No ON CONFLICT is possible with COPY: the caller passes
 * only rows it knows are new (a duplicate fails the whole statement with unique_violation).
 */
export async function copyChunks(client: pg.PoolClient | pg.Client, chunks: ChunkInsert[]): Promise<void> {
  if (chunks.length === 0) return;
  const stream = client.query(copyFrom("COPY output_chunks (session_id, seq, byte_offset, ts, data) FROM STDIN (FORMAT binary)"));
  await pipeline(Readable.from(encodeChunks(chunks)), stream);
}

// ---------------------------------------------------------------------------------------------
// Reading: COPY … TO STDOUT (FORMAT binary).

/** One row of a binary COPY: each field's bytes (a view of the received data), null for NULL. */
export type CopyRow = Array<Buffer | null>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid as an SQL literal; anything but a canonical uuid is refused. */
export function uuidLiteral(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new RangeError(`not a uuid: ${JSON.stringify(id)}`);
  return `'${id}'::uuid`;
}

/** A safe integer as an SQL bigint literal; anything else is refused. */
export function intLiteral(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return `${n}::bigint`;
}

/**
 * Runs `COPY (query) TO STDOUT (FORMAT binary)` and returns the rows. On a pool the statement
 * runs on a connection of its own for its duration (COPY holds the connection); a connection
 * that failed is destroyed rather than returned.
 */
export async function copyOut(db: Queryable, query: string): Promise<CopyRow[]> {
  if (!(db instanceof pg.Pool)) return copyOutOn(db, query);
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    return await copyOutOn(client, query);
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}

async function copyOutOn(client: pg.ClientBase, query: string): Promise<CopyRow[]> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream as AsyncIterable<Buffer>) {
    parts.push(part);
    size += part.length;
  }
  return parseCopyOut(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
}

/** Splits binary COPY output into rows of fields; fields are views of `data`, not copies. */
export function parseCopyOut(data: Buffer): CopyRow[] {
  if (data.length < SIGNATURE.length + 8 || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error("binary COPY output does not start with its signature");
  let at = SIGNATURE.length + 4;
  at += 4 + data.readUInt32BE(at);
  const rows: CopyRow[] = [];
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const row: CopyRow = new Array(fields);
    for (let f = 0; f < fields; f++) {
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) {
        row[f] = null;
        continue;
      }
      if (at + length > data.length) throw new Error("binary COPY output ends inside a field");
      row[f] = data.subarray(at, at + length);
      at += length;
    }
    rows.push(row);
  }
  return rows;
}

function present(field: Buffer | null | undefined): Buffer {
  if (!field) throw new Error("unexpected NULL in binary COPY output");
  return field;
}

/** An int8 field as a number (seqs, offsets and µs timestamps are far below 2^53). */
export function int8Field(field: Buffer | null | undefined): number {
  const b = present(field);
  return b.readInt32BE(0) * 2 ** 32 + b.readUInt32BE(4);
}

/** A timestamptz field as microseconds since the Unix epoch. */
export function timestampFieldMicros(field: Buffer | null | undefined): number {
  return int8Field(field) + Number(PG_EPOCH_MICROS);
}

/** A text field (names and codes only: session output never goes through here). */
export function textField(field: Buffer | null | undefined): string {
  return present(field).toString("utf8");
}

/** A bytea field: a view of the received data. */
export function byteaField(field: Buffer | null | undefined): Buffer {
  return present(field);
}

/**
 * A one-dimensional int4[] or int8[] field without NULLs as numbers. Array format: dimensions,
 * a has-NULL flag, the element type, per dimension its size and lower bound, then each element
 * as (int32 length, bytes).
 */
export function intArrayField(field: Buffer | null | undefined): number[] {
  const b = present(field);
  const dims = b.readInt32BE(0);
  if (dims === 0) return [];
  if (dims !== 1) throw new Error(`expected a one-dimensional array, got ${dims} dimensions`);
  const count = b.readInt32BE(12);
  const out = new Array<number>(count);
  let at = 20;
  for (let i = 0; i < count; i++) {
    const length = b.readInt32BE(at);
    at += 4;
    if (length === 4) out[i] = b.readInt32BE(at);
    else if (length === 8) out[i] = b.readInt32BE(at) * 2 ** 32 + b.readUInt32BE(at + 4);
    else throw new Error(`unexpected array element of ${length} bytes`);
    at += length;
  }
  return out;
}
