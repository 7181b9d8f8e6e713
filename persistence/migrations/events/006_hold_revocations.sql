-- Holds an account revoked (persistence/event_store.hpp, revoke_hold): a transfer's batch
-- carries the token of each hold it was decided under and commits only while none of them
-- is here. Rows are only ever added, like events; an account adds one when it takes
-- itself back from a transfer whose outcome it cannot know.
-- Portable SQL: runs unchanged on PostgreSQL and CockroachDB.
CREATE TABLE IF NOT EXISTS hold_revocations (
  account_id TEXT        NOT NULL,
  token      TEXT        NOT NULL,
  revoked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, token)
);

REVOKE ALL ON hold_revocations FROM chronicle_app, chronicle_projector, chronicle_auditor;
GRANT SELECT, INSERT ON hold_revocations TO chronicle_app;
GRANT SELECT ON hold_revocations TO chronicle_auditor;
