-- Privileges of the roles other than the owner on the read models (docs/SECURITY.md,
-- "Database roles"). Portable SQL: runs unchanged on PostgreSQL and CockroachDB.
--
-- `chronicle replay` rebuilds read models as chronicle_projector, which may not create,
-- rename or drop tables: it fills these *_rebuild tables, made here once, and copies them
-- over the live ones in one transaction. A later migration that changes a read-model
-- table changes its *_rebuild twin the same way (the copy is column for column).

DROP TABLE IF EXISTS account_balance_rebuild;
DROP TABLE IF EXISTS transactions_rebuild;
DROP TABLE IF EXISTS timeline_rebuild;
DROP TABLE IF EXISTS transfers_rebuild;
DROP TABLE IF EXISTS projection_checkpoints_rebuild;
DROP TABLE IF EXISTS projection_status_rebuild;
CREATE TABLE account_balance_rebuild (LIKE account_balance INCLUDING ALL);
CREATE TABLE transactions_rebuild (LIKE transactions INCLUDING ALL);
CREATE TABLE timeline_rebuild (LIKE timeline INCLUDING ALL);
CREATE TABLE transfers_rebuild (LIKE transfers INCLUDING ALL);
CREATE TABLE projection_checkpoints_rebuild (LIKE projection_checkpoints INCLUDING ALL);
CREATE TABLE projection_status_rebuild (LIKE projection_status INCLUDING ALL);

-- Whatever was granted before (001 let chronicle_app write) is taken back first.
REVOKE ALL ON account_balance, transactions, timeline, transfers, projection_checkpoints,
  projection_status FROM chronicle_app, chronicle_projector, chronicle_auditor;

-- chronicle_app (the nodes' queries) only reads the read models; the projections write them.
GRANT SELECT ON account_balance, transactions, timeline, transfers, projection_checkpoints,
  projection_status TO chronicle_app;

-- chronicle_projector (the projections, `chronicle replay`) writes rows, never the schema.
GRANT SELECT, INSERT, UPDATE, DELETE ON account_balance, transactions, timeline, transfers,
  projection_checkpoints, projection_status, account_balance_rebuild, transactions_rebuild,
  timeline_rebuild, transfers_rebuild, projection_checkpoints_rebuild, projection_status_rebuild
  TO chronicle_projector;

-- chronicle_auditor (`chronicle verify`, people) reads everything.
GRANT SELECT ON account_balance, transactions, timeline, transfers, projection_checkpoints,
  projection_status, account_balance_rebuild, transactions_rebuild, timeline_rebuild,
  transfers_rebuild, projection_checkpoints_rebuild, projection_status_rebuild, schema_migrations
  TO chronicle_auditor;
