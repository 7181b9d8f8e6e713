-- Snapshots (written every N events, in the append transaction) and time travel.
-- Portable SQL: runs unchanged on PostgreSQL and CockroachDB.

-- When the snapshot's event occurred: time-travel reads pick the newest snapshot at or
-- before a point without decoding states. The table was never written before this
-- migration, so no row lacks the column; the application always sets it.
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS occurred_at TIMESTAMPTZ;

-- "Which version did the account have at instant T": the newest of its events at or
-- before T, one index probe however long the history.
CREATE INDEX IF NOT EXISTS events_by_account_time ON events (account_id, occurred_at, version);
