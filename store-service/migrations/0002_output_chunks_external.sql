-- Raw output rows are stored without TOAST compression (STORAGE EXTERNAL: out of line, as is).
--
-- Measured with bench/ingest-methods.ts (embedded PostgreSQL 18, 2 cores, 4.7 KB rows, binary
-- COPY, 100 rows per transaction): with the default EXTENDED storage, pglz halves the write rate
-- of realistic terminal output (21 vs 40 and 51 vs 112 MB/s in two runs) for a 0.42 disk ratio,
-- and still costs 25-40% on incompressible output it then stores as is. Ingest is the hot path (a PTY
-- produces ~100 MB/s), raw rows are the recent, short-lived part of history, and the compactor
-- rewrites cold ranges into segments compressed with a far better codec; so raw rows stay cheap
-- to write and compression happens once, off the write path.
ALTER TABLE output_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
