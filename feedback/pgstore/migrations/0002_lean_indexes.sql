-- Fewer indexes to maintain on every append: each btree adds to every row
-- appended a search, an insertion and about 90 bytes of WAL (BENCHMARKS.md,
-- "PostgreSQL store"). The ones left are those a query needs:
--
-- * seq (the primary key): every query reads in the order appended.
-- * id (unique): an append leaves out the IDs stored.
-- * time, as a BRIN index: signals are appended in about the order of
--   their time, so a summary of each range of 16 pages selects a time
--   range almost as well as a btree, at nearly no cost per row. A range
--   not yet summarised (the signals appended since the last vacuum, which
--   autovacuum runs after inserts too) is read whole, which is correct.
--   No autosummarize: it queues a request per range, which tens of
--   thousands of signals a second overflow.
-- * (project, seq): a project selects few signals of many, in order.
--
-- blueprint and decision select large parts of the table (a handful of
-- blueprints, tens of decisions): their queries read the signals in seq
-- order and skip the others, as the source filter always has, and as the
-- planner chose to for them even with their btrees.
--
-- id and project compare bytes (COLLATE "C"): the filters and the unique
-- check only ask for equality, which is byte equality in every
-- deterministic collation, and a database whose default collation is a
-- language's would otherwise compare each key through it.
DROP INDEX gp_signals_time;
DROP INDEX gp_signals_blueprint;
DROP INDEX gp_signals_decision;
ALTER TABLE gp_signals
	ALTER COLUMN id TYPE text COLLATE "C",
	ALTER COLUMN project TYPE text COLLATE "C";
CREATE INDEX gp_signals_time ON gp_signals USING brin (time)
	WITH (pages_per_range = 16);
