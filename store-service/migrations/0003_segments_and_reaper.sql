-- Compressed history segments, and the bookkeeping of the reaper.
--
-- A segment replaces a contiguous run of raw output_chunks rows (first_seq..last_seq) of one
-- session: the compactor inserts it and deletes exactly the rows it covers in one transaction, so
-- a reader finds every seq either in output_chunks or in output_segments, never both or neither.
CREATE TABLE output_segments (
  session_id    uuid        NOT NULL,
  first_seq     bigint      NOT NULL,
  last_seq      bigint      NOT NULL,
  -- Byte offset of the first byte in the session's whole output, and the raw (decoded) length.
  first_offset  bigint      NOT NULL,
  byte_length   bigint      NOT NULL,
  -- How `data` is encoded (codec.ts CodecId): recorded per segment so the default can change.
  codec         text        NOT NULL,
  data          bytea       NOT NULL,
  -- Chunk index, one entry per chunk in seq order: its length in bytes, and its timestamp in
  -- microseconds after first_ts. Replays restore the same chunks with the same timing.
  chunk_lengths integer[]   NOT NULL,
  ts_deltas_us  bigint[]    NOT NULL,
  first_ts      timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, first_seq),
  CHECK (last_seq >= first_seq),
  CHECK (cardinality(chunk_lengths) = last_seq - first_seq + 1),
  CHECK (cardinality(ts_deltas_us) = last_seq - first_seq + 1)
);
-- `data` is already compressed (or stored as "none" because it does not compress): PostgreSQL
-- must not spend CPU trying to compress it again.
ALTER TABLE output_segments ALTER COLUMN data SET STORAGE EXTERNAL;

-- Reachability of each pty-service as the reaper last saw it. The first failure time lives here,
-- not in a replica's memory, so the grace period survives restarts and is shared by replicas.
CREATE TABLE pty_nodes (
  pty_node         text        PRIMARY KEY,
  -- First failed check of the current run of failures; NULL once a check succeeds.
  first_failure_at timestamptz,
  last_failure_at  timestamptz,
  last_error       text        NOT NULL DEFAULT '',
  last_success_at  timestamptz
);

-- Sessions a pty-service reported as exited while the store has no record of their end. The
-- pty-service may still be sending that record, so they are marked lost only after a grace.
CREATE TABLE reaper_suspects (
  session_id    uuid        PRIMARY KEY,
  first_seen_at timestamptz NOT NULL DEFAULT now()
);

-- Single-holder leases (the reaper's): whoever holds an unexpired row does the work; the token
-- grows at every change of holder and is checked by the holder's writes (fencing).
CREATE TABLE store_leases (
  name       text        PRIMARY KEY,
  holder     text        NOT NULL,
  token      bigint      NOT NULL,
  expires_at timestamptz NOT NULL
);

-- What the reaper did, one row per transition it made: an audit trail, and the proof that with
-- several replicas each session was declared lost once.
CREATE TABLE reaper_log (
  session_id    uuid        NOT NULL,
  id            bigint      GENERATED ALWAYS AS IDENTITY,
  at            timestamptz NOT NULL DEFAULT now(),
  holder        text        NOT NULL,
  fencing_token bigint      NOT NULL,
  from_state    text        NOT NULL,
  reason        text        NOT NULL,
  PRIMARY KEY (session_id, id)
);
