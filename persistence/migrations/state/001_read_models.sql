-- Read models: derived from the event store by the projections, rebuilt by
-- `chronicle replay`. Amounts are int64 minor units of the row's currency.

CREATE TABLE IF NOT EXISTS account_balance (
  account_id   TEXT        PRIMARY KEY,
  owner_name   TEXT        NOT NULL,
  currency     TEXT        NOT NULL,
  balance      BIGINT      NOT NULL,
  version      BIGINT      NOT NULL,
  status       TEXT        NOT NULL,
  last_hash    TEXT        NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  last_updated TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS account_balance_by_owner ON account_balance (owner_name, account_id);

-- One row per money movement (every event so far moves money; an opening
-- with a zero balance is a movement of zero).
CREATE TABLE IF NOT EXISTS transactions (
  event_id      UUID        PRIMARY KEY,
  account_id    TEXT        NOT NULL,
  version       BIGINT      NOT NULL,
  type          TEXT        NOT NULL,
  amount        BIGINT      NOT NULL,
  balance_after BIGINT      NOT NULL,
  currency      TEXT        NOT NULL,
  description   TEXT        NOT NULL,
  transfer_id   TEXT,
  counterparty  TEXT,
  occurred_at   TIMESTAMPTZ NOT NULL,
  UNIQUE (account_id, version)
);

-- Every event, for the global timeline, newest first.
CREATE TABLE IF NOT EXISTS timeline (
  event_id       UUID        PRIMARY KEY,
  account_id     TEXT        NOT NULL,
  version        BIGINT      NOT NULL,
  type           TEXT        NOT NULL,
  schema_version INT         NOT NULL,
  occurred_at    TIMESTAMPTZ NOT NULL,
  data           JSONB       NOT NULL,
  hash           TEXT        NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_by_time ON timeline (occurred_at, event_id);

-- Transfers get their projection with the transfer events.
CREATE TABLE IF NOT EXISTS transfers (
  transfer_id     TEXT        PRIMARY KEY,
  from_account_id TEXT        NOT NULL,
  to_account_id   TEXT        NOT NULL,
  amount          BIGINT      NOT NULL,
  currency        TEXT        NOT NULL,
  description     TEXT        NOT NULL,
  status          TEXT        NOT NULL,
  occurred_at     TIMESTAMPTZ NOT NULL
);

-- The last version of each account applied by each projection, written in the
-- same transaction as the projection's rows: exactly-once application.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  projection TEXT   NOT NULL,
  account_id TEXT   NOT NULL,
  version    BIGINT NOT NULL,
  PRIMARY KEY (projection, account_id)
);

-- Progress of each projection, for lag reporting.
CREATE TABLE IF NOT EXISTS projection_status (
  projection      TEXT        PRIMARY KEY,
  last_event_at   TIMESTAMPTZ NOT NULL,
  last_applied_at TIMESTAMPTZ NOT NULL,
  events_applied  BIGINT      NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON account_balance, transactions, timeline, transfers,
  projection_checkpoints, projection_status TO chronicle_app;
