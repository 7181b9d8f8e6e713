#!/usr/bin/env bash
# Run once by the postgres image when it creates its data folder (/docker-entrypoint-initdb.d):
# the ledger's database roles and its read-model database, as the local stack makes them
# (infra/local/stack.sh, pg_bootstrap; docs/SECURITY.md, "Database roles"). The tables and
# their privileges come from the migrations (the compose file's migrate job).
set -euo pipefail

for name in CHRONICLE_OWNER_PASSWORD CHRONICLE_APP_PASSWORD CHRONICLE_PROJECTOR_PASSWORD \
  CHRONICLE_AUDITOR_PASSWORD; do
  [[ -n ${!name:-} ]] || { echo "postgres-setup: $name is not set" >&2; exit 1; }
done

psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$CHRONICLE_OWNER_PASSWORD" -v app_pw="$CHRONICLE_APP_PASSWORD" \
  -v projector_pw="$CHRONICLE_PROJECTOR_PASSWORD" -v auditor_pw="$CHRONICLE_AUDITOR_PASSWORD" \
  <<'SQL'
CREATE ROLE chronicle_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_pw';
CREATE ROLE chronicle_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_pw';
CREATE ROLE chronicle_projector WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
  PASSWORD :'projector_pw';
CREATE ROLE chronicle_auditor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
  PASSWORD :'auditor_pw';
CREATE DATABASE chronicle_state OWNER chronicle_owner ENCODING 'UTF8' TEMPLATE template0;
REVOKE CONNECT ON DATABASE chronicle_state FROM PUBLIC;
GRANT CONNECT ON DATABASE chronicle_state
  TO chronicle_owner, chronicle_app, chronicle_projector, chronicle_auditor;
\connect chronicle_state
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO chronicle_app, chronicle_projector, chronicle_auditor;
GRANT ALL ON SCHEMA public TO chronicle_owner;
SQL
