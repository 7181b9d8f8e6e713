-- The outbox relay reads the oldest pending rows in (account_id, version) order, then joins
-- each with its event by primary key (persistence/pg_statements.cpp, outbox_pending). With
-- this index that read is bounded by the batch; without it PostgreSQL sorted the whole outbox
-- and, with a backlog, joined it to a sequential scan of all events.
-- Portable SQL: runs unchanged on PostgreSQL and CockroachDB.
CREATE INDEX IF NOT EXISTS outbox_by_key ON outbox (account_id, version);
