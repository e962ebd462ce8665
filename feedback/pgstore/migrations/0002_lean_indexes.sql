-- Fewer indexes to maintain on every append: each btree adds to every row
-- appended a search, an insertion and about 90 bytes of WAL (BENCHMARKS.md,
-- "PostgreSQL store"). The ones left are those a query needs:
--
-- * seq (the primary key): every query reads in the order appended.
-- * id (unique): an append leaves out the IDs stored.
-- * time, as a BRIN index: signals are appended in about the order of
--   their time, so a summary of each range of 32 pages selects a time
--   range almost as well as a btree, at nearly no cost per row. A range
--   not yet summarised is read whole, which is correct; autosummarize
--   summarises each range once the next one is started.
-- * (project, seq): a project selects few signals of many, in order.
--
-- blueprint and decision select large parts of the table (a handful of
-- blueprints, tens of decisions): their queries read the signals in seq
-- order and skip the others, as the source filter always has.
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
	WITH (pages_per_range = 32, autosummarize = on);
