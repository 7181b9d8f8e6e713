-- Indexes for read-model statements that had none (persistence/pg_statements.cpp; docs/LLD.md,
-- "Cost of a statement"). Portable SQL: runs unchanged on PostgreSQL and CockroachDB.

-- The projection reads and locks the checkpoints of a batch's accounts (every projection's
-- row of each): the primary key (projection, account_id) cannot serve `account_id IN (...)`,
-- so PostgreSQL scanned the whole table for every batch. Replay does the same on the
-- rebuild twin as it fills it. Version is left out of the index, so checkpoint updates stay
-- HOT.
CREATE INDEX IF NOT EXISTS projection_checkpoints_by_account
  ON projection_checkpoints (account_id);
CREATE INDEX IF NOT EXISTS projection_checkpoints_rebuild_by_account
  ON projection_checkpoints_rebuild (account_id);

-- GET /accounts?status=...: a page of accounts with one status, in id order, without walking
-- the accounts of the other status. Status rarely changes, so balance updates stay HOT.
CREATE INDEX IF NOT EXISTS account_balance_by_status ON account_balance (status, account_id);

-- verify reads each account's outgoing transfers; without this it scanned every transfer once
-- per account. (The *_rebuild twins need neither of these: replay only writes them.)
CREATE INDEX IF NOT EXISTS transfers_by_from
  ON transfers (from_account_id, occurred_at, transfer_id);
