-- Privileges of the roles other than the owner (docs/SECURITY.md, "Database roles").
-- Portable SQL: runs unchanged on PostgreSQL and CockroachDB. The roles themselves are
-- created by whoever sets the cluster up (infra/local/stack.sh here), before migrating.
--
-- chronicle_app (the nodes' commands): adds to history, never changes it; set in 001 and
--   restated here so that this file is the whole picture.
-- chronicle_projector (the projections, `chronicle replay`): reads events to fill gaps and
--   rebuild read models; writes nothing here.
-- chronicle_auditor (`chronicle verify`, `chronicle check`, people): reads everything.

-- Whatever was granted by hand before is taken back first.
REVOKE ALL ON events, commands, outbox, snapshots
  FROM chronicle_app, chronicle_projector, chronicle_auditor;

GRANT SELECT, INSERT ON events, commands, snapshots TO chronicle_app;
GRANT SELECT, INSERT, DELETE ON outbox TO chronicle_app;

GRANT SELECT ON events TO chronicle_projector;

GRANT SELECT ON events, commands, outbox, snapshots, schema_migrations TO chronicle_auditor;
