-- The outbox relay claims its batch with SELECT ... FOR UPDATE SKIP LOCKED, so that the
-- relays of several nodes never publish one row at once (persistence/pg_outbox_store.hpp).
-- Locking a row for update needs the UPDATE privilege on its table. The outbox is a queue of
-- rows still to publish, not history: the application may lock and delete its rows; events,
-- commands, snapshots and hold revocations stay append-only.
-- Portable SQL: runs unchanged on PostgreSQL and CockroachDB.
GRANT UPDATE ON outbox TO chronicle_app;
