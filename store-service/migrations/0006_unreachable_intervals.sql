-- Times a session's pty-service could not be reached for long enough that the reaper declared
-- the session lost. "Lost" is a verdict that can be revised: while an interval is open the
-- reaper keeps asking the node (until recheck_until), and a node answering RUNNING, or output
-- arriving from the session, brings it back to running and closes the interval. Closed or
-- not, each interval stays as part of the session's history, after output chunk at_seq.
CREATE TABLE unreachable_intervals (
  session_id    uuid        NOT NULL,
  -- 1, 2, 3... per session.
  interval_no   integer     NOT NULL,
  pty_node      text        NOT NULL,
  -- The session was marked lost after this chunk (its durable seq then; 0 before any output).
  at_seq        bigint      NOT NULL,
  -- First failed check of the node's run of failures, and when the session was marked lost.
  since         timestamptz NOT NULL,
  lost_at       timestamptz NOT NULL DEFAULT now(),
  -- One sentence for people ("pty-service 10.0.0.5:50051 unreachable for 60 s: connection refused").
  reason        text        NOT NULL,
  recheck_until timestamptz NOT NULL,
  -- How and when the interval closed; both NULL while the session is still lost.
  outcome       text        CHECK (outcome IN ('recovered', 'ended', 'gone')),
  ended_at      timestamptz,
  PRIMARY KEY (session_id, interval_no),
  CHECK ((outcome IS NULL) = (ended_at IS NULL))
);

-- The reaper's re-checks and the revival on output look only at open intervals: few rows.
CREATE INDEX unreachable_intervals_open_idx ON unreachable_intervals (session_id) WHERE outcome IS NULL;

-- How many intervals a session has had (GetSession, ListSessions), kept beside the state.
ALTER TABLE sessions ADD COLUMN unreachable_count integer NOT NULL DEFAULT 0;
