-- The event store. Portable SQL: runs unchanged on PostgreSQL and CockroachDB.

CREATE TABLE IF NOT EXISTS events (
  account_id     TEXT        NOT NULL,
  version        BIGINT      NOT NULL,
  event_id       UUID        NOT NULL UNIQUE,
  event_type     TEXT        NOT NULL,
  schema_version INT         NOT NULL,
  payload        JSONB       NOT NULL,
  command_id     TEXT        NOT NULL,
  occurred_at    TIMESTAMPTZ NOT NULL,
  prev_hash      TEXT        NOT NULL,
  hash           TEXT        NOT NULL,
  PRIMARY KEY (account_id, version)
);

CREATE INDEX IF NOT EXISTS events_by_time ON events (occurred_at);

-- One row per command that carried an Idempotency-Key: its request fingerprint
-- and the outcome that every retry gets back.
CREATE TABLE IF NOT EXISTS commands (
  idempotency_key TEXT        PRIMARY KEY,
  account_id      TEXT        NOT NULL,
  fingerprint     TEXT        NOT NULL,
  response        JSONB       NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Events waiting to be published; written in the append transaction, removed
-- by the relay after the publish is acknowledged.
CREATE TABLE IF NOT EXISTS outbox (
  event_id   UUID        PRIMARY KEY,
  account_id TEXT        NOT NULL,
  version    BIGINT      NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS snapshots (
  account_id TEXT        NOT NULL,
  version    BIGINT      NOT NULL,
  state      JSONB       NOT NULL,
  hash       TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, version)
);

-- The application may only add to history, never change it.
GRANT SELECT, INSERT ON events TO chronicle_app;
GRANT SELECT, INSERT ON commands TO chronicle_app;
GRANT SELECT, INSERT, DELETE ON outbox TO chronicle_app;
GRANT SELECT, INSERT ON snapshots TO chronicle_app;
