-- Signals, one row each, in the order appended (seq). The signal column
-- holds the signal's JSON form (docs/signals.md), which the store decodes;
-- the other columns are copies of its fields, for the filters and for
-- people reading the table. Text columns hold the field with NUL bytes and
-- invalid UTF-8 replaced by U+FFFD, which PostgreSQL's text cannot hold;
-- the store checks each signal against the filter after decoding it.
CREATE TABLE gp_signals (
	seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id        text        NOT NULL,
	time      timestamptz NOT NULL,
	source    text        NOT NULL,
	project   text        NOT NULL,
	blueprint text        NOT NULL,
	decision  text        NOT NULL,
	signal    text        NOT NULL,
	CONSTRAINT gp_signals_id UNIQUE (id)
);

-- One index per filter that selects few signals, each ending with seq so
-- that a filtered query reads in the order appended.
CREATE INDEX gp_signals_time ON gp_signals (time);
CREATE INDEX gp_signals_project ON gp_signals (project, seq);
CREATE INDEX gp_signals_blueprint ON gp_signals (blueprint, seq);
CREATE INDEX gp_signals_decision ON gp_signals (decision, seq);
