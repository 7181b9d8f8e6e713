#!/usr/bin/env bash
# One-shot job of infra/docker-compose.yml, after `cockroach init`: the ledger's database roles
# and its event-store database on the CockroachDB cluster, as the local stack makes them on
# PostgreSQL (infra/local/stack.sh, pg_bootstrap; docs/SECURITY.md, "Database roles"). The
# tables and their privileges come from the migrations (`chronicle migrate`, the compose file's
# migrate job), never from here. Idempotent: passwords are set again on every run.
set -euo pipefail

for name in CHRONICLE_OWNER_PASSWORD CHRONICLE_APP_PASSWORD CHRONICLE_PROJECTOR_PASSWORD \
  CHRONICLE_AUDITOR_PASSWORD; do
  value=${!name:-}
  [[ -n $value ]] || { echo "cockroach-setup: $name is not set" >&2; exit 1; }
  # The passwords go into SQL string literals below.
  [[ $value != *"'"* && $value != *'\'* ]] || {
    echo "cockroach-setup: $name may not contain quotes or backslashes" >&2
    exit 1
  }
done

cockroach sql --certs-dir=/certs --host=roach-1:26257 <<SQL
CREATE ROLE IF NOT EXISTS chronicle_owner;
CREATE ROLE IF NOT EXISTS chronicle_app;
CREATE ROLE IF NOT EXISTS chronicle_projector;
CREATE ROLE IF NOT EXISTS chronicle_auditor;
ALTER ROLE chronicle_owner WITH LOGIN NOCREATEDB NOCREATEROLE
  PASSWORD '${CHRONICLE_OWNER_PASSWORD}';
ALTER ROLE chronicle_app WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '${CHRONICLE_APP_PASSWORD}';
ALTER ROLE chronicle_projector WITH LOGIN NOCREATEDB NOCREATEROLE
  PASSWORD '${CHRONICLE_PROJECTOR_PASSWORD}';
ALTER ROLE chronicle_auditor WITH LOGIN NOCREATEDB NOCREATEROLE
  PASSWORD '${CHRONICLE_AUDITOR_PASSWORD}';
CREATE DATABASE IF NOT EXISTS chronicle_events;
ALTER DATABASE chronicle_events OWNER TO chronicle_owner;
REVOKE CONNECT ON DATABASE chronicle_events FROM public;
GRANT CONNECT ON DATABASE chronicle_events
  TO chronicle_owner, chronicle_app, chronicle_projector, chronicle_auditor;
USE chronicle_events;
GRANT ALL ON SCHEMA public TO chronicle_owner;
GRANT USAGE ON SCHEMA public TO chronicle_app, chronicle_projector, chronicle_auditor;
SQL
echo "cockroach-setup: roles and the database chronicle_events are in place"
