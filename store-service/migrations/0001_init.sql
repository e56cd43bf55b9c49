-- ptykeep store schema, first version.
-- Every primary key and index starts with session_id, so the tables can later be distributed by
-- session (e.g. Citus, distribution column session_id) without a redesign.

CREATE TABLE sessions (
  session_id        uuid        PRIMARY KEY,
  command           text        NOT NULL,
  args              text[]      NOT NULL DEFAULT '{}',
  cwd               text        NOT NULL DEFAULT '',
  pty_node          text        NOT NULL,
  -- Current size, and the size the session started with (history replays from the start need it).
  rows              integer     NOT NULL,
  cols              integer     NOT NULL,
  initial_rows      integer     NOT NULL,
  initial_cols      integer     NOT NULL,
  -- change_no of the newest UpdateSize applied to rows/cols (retries and reordering are harmless).
  size_change_no    bigint      NOT NULL DEFAULT 0,
  labels            jsonb       NOT NULL DEFAULT '{}',
  env_names         text[]      NOT NULL DEFAULT '{}',
  state             text        NOT NULL DEFAULT 'starting'
                    CHECK (state IN ('starting', 'running', 'exited', 'killed', 'lost')),
  pid               integer     NOT NULL DEFAULT 0,
  exit_code         integer,
  exit_signal       text        NOT NULL DEFAULT '',
  end_reason        text        NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  ended_at          timestamptz,
  -- Contiguous watermark: every chunk 1..durable_seq is stored; durable_bytes is their total size.
  durable_seq       bigint      NOT NULL DEFAULT 0,
  durable_bytes     bigint      NOT NULL DEFAULT 0,
  -- Highest seq stored. Above durable_seq only while a gap waits to be filled: the writer then
  -- knows it must look at stored rows to move the watermark over them.
  max_seq           bigint      NOT NULL DEFAULT 0,
  -- Last seq of the program's output, once it has ended.
  final_seq         bigint,
  -- Where kept history starts (retention removes older output).
  first_kept_seq    bigint      NOT NULL DEFAULT 1,
  first_kept_offset bigint      NOT NULL DEFAULT 0
);

-- ListSessions: newest first (UUIDv7 ids sort by creation), filtered by state and/or node.
CREATE INDEX sessions_state_idx ON sessions (state, session_id DESC);
CREATE INDEX sessions_node_idx ON sessions (pty_node, session_id DESC);
-- Label filters use containment (labels @> '{"k":"v"}').
CREATE INDEX sessions_labels_idx ON sessions USING gin (labels jsonb_path_ops);

CREATE TABLE output_chunks (
  session_id  uuid        NOT NULL,
  seq         bigint      NOT NULL,
  byte_offset bigint      NOT NULL,
  -- When the bytes were read from the terminal (microsecond precision).
  ts          timestamptz NOT NULL,
  data        bytea       NOT NULL,
  PRIMARY KEY (session_id, seq)
);
-- Storage of `data`: see 0002_output_chunks_external.sql (measured, then changed to EXTERNAL).

CREATE TABLE size_events (
  session_id uuid        NOT NULL,
  change_no  bigint      NOT NULL,
  -- The resize took effect after output chunk at_seq (0: before any output).
  at_seq     bigint      NOT NULL,
  rows       integer     NOT NULL,
  cols       integer     NOT NULL,
  ts         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, change_no)
);
CREATE INDEX size_events_at_seq_idx ON size_events (session_id, at_seq, change_no);
