-- Screen snapshots: the terminal of a session at a seq boundary, as the bytes that reproduce it.
--
-- The snapshot job (snapshotter.ts) feeds a session's durable output and resizes into a terminal
-- emulator and stores, after chunk at_seq, what a fresh terminal of rows x cols needs to be in the
-- same state (scrollback, cells, cursor, buffer, modes). A replay that begins from the screen sends
-- the latest snapshot at or before its point, then the chunks from at_seq + 1. Each row is written
-- in one transaction; a row is never updated.
CREATE TABLE screen_snapshots (
  session_id       uuid        NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  -- The terminal right after output chunk at_seq and the resizes recorded after it.
  at_seq           bigint      NOT NULL,
  -- Byte offset right after chunk at_seq, and when that chunk was read.
  byte_offset      bigint      NOT NULL,
  chunk_ts         timestamptz NOT NULL,
  rows             integer     NOT NULL,
  cols             integer     NOT NULL,
  scrollback_lines integer     NOT NULL,
  -- Why it was taken: 'interval' (every N bytes or T seconds; the job keeps one per span of
  -- history once newer ones exist), 'end' (the session's final screen) or 'retention' (at the new
  -- start of kept history, kept until retention moves that start again).
  reason           text        NOT NULL CHECK (reason IN ('interval', 'end', 'retention')),
  -- `data` is compressed like history segments (codec.ts), raw_length bytes once decoded.
  codec            text        NOT NULL,
  raw_length       integer     NOT NULL,
  data             bytea       NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, at_seq),
  CHECK (at_seq >= 1),
  CHECK (rows >= 1 AND cols >= 1)
);
-- Already compressed: PostgreSQL must not try again.
ALTER TABLE screen_snapshots ALTER COLUMN data SET STORAGE EXTERNAL;
