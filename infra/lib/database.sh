# shellcheck shell=bash
# The one definition of the ledger's PostgreSQL roles, databases and grants, shared by the
# local stack (infra/local/stack.sh) and the local cluster (infra/cluster/cluster.sh), and
# of the connection strings the nodes and tools get for them (docs/SECURITY.md, "Database
# roles"). Sourced, never run.

# The migrations grant each role its privileges on the tables; db_bootstrap creates the
# roles, the databases and who may connect. The passwords are for local set-ups only; they
# differ from the role names so that a test can tell a leaked password from a role name in a
# log. app/options.hpp names the same ones in its defaults.
readonly OWNER_PASSWORD=owner-local-7Rk2vQ
readonly APP_PASSWORD=app-local-3Wd8nL
readonly PROJECTOR_PASSWORD=projector-local-9Tf4xZ
readonly AUDITOR_PASSWORD=auditor-local-6Mb1pJ
# What `make run` (and the cluster) serves, and the test suites' own: same server, same
# roles, so no test event reaches what a node serves to people.
readonly RUN_EVENTS_DB=chronicle_events RUN_STATE_DB=chronicle_state RUN_STREAM=LEDGER
readonly TEST_EVENTS_DB=chronicle_test_events TEST_STATE_DB=chronicle_test_state
readonly TEST_STREAM=LEDGER_TEST

# Creates or updates the roles and, when missing, the served and the test databases,
# idempotently. CONNINFO is a libpq connection string without dbname that reaches the primary
# as a superuser; the rest of the arguments run psql (e.g. `as_pg .../psql`).
db_bootstrap() {
  local conninfo=$1 db
  shift
  db_roles "$conninfo" "$OWNER_PASSWORD" "$APP_PASSWORD" "$PROJECTOR_PASSWORD" \
    "$AUDITOR_PASSWORD" "$@"
  for db in "$RUN_EVENTS_DB" "$RUN_STATE_DB" "$TEST_EVENTS_DB" "$TEST_STATE_DB"; do
    db_create "$conninfo" "$db" "$@"
  done
}

# Creates the four roles when missing and sets their passwords (OWNER APP PROJECTOR AUDITOR,
# in that order, after CONNINFO; then psql as for db_bootstrap). The Compose set-up's
# read-model PostgreSQL (infra/docker/postgres-setup.sh) calls it with passwords of its own.
db_roles() {
  local conninfo=$1 owner_pw=$2 app_pw=$3 projector_pw=$4 auditor_pw=$5
  shift 5
  "$@" -X -q -v ON_ERROR_STOP=1 -d "$conninfo dbname=postgres" \
    -v owner_pw="$owner_pw" -v app_pw="$app_pw" \
    -v projector_pw="$projector_pw" -v auditor_pw="$auditor_pw" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I', r)
  FROM unnest(ARRAY['chronicle_owner', 'chronicle_app', 'chronicle_projector',
                    'chronicle_auditor']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE chronicle_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'owner_pw';
ALTER ROLE chronicle_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'app_pw';
ALTER ROLE chronicle_projector WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'projector_pw';
ALTER ROLE chronicle_auditor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'auditor_pw';
SQL
}

# Creates one database when missing (CONNINFO and psql as for db_bootstrap), owned by the
# owner role, that only the four roles may reach.
db_create() {
  local conninfo=$1 db=$2
  shift 2
  "$@" -X -q -v ON_ERROR_STOP=1 -d "$conninfo dbname=postgres" -v db="$db" >/dev/null <<'SQL'
SELECT format('CREATE DATABASE %I OWNER chronicle_owner ENCODING ''UTF8'' TEMPLATE template0',
              :'db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO chronicle_owner', :'db') \gexec
SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO chronicle_owner, chronicle_app, '
              'chronicle_projector, chronicle_auditor', :'db') \gexec
SQL
  "$@" -X -q -v ON_ERROR_STOP=1 -d "$conninfo dbname=$db" >/dev/null <<'SQL'
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO chronicle_app, chronicle_projector, chronicle_auditor;
GRANT ALL ON SCHEMA public TO chronicle_owner;
SQL
}

# Prints the KEY VALUE pairs (one per line) of every database connection, one per role and
# database, for the server(s) named by COMMON (e.g. "host=127.0.0.1 port=55432") and the
# databases EVENTS and STATE (the served ones when not given).
db_env_pairs() {
  local common=$1 events=${2:-$RUN_EVENTS_DB} state=${3:-$RUN_STATE_DB}
  local key db user password
  while read -r key db user password; do
    printf '%s\n%s\n' "$key" \
      "$common dbname=$db user=$user password=$password connect_timeout=2"
  done <<EOF
CHRONICLE_EVENTS_DB $events chronicle_app $APP_PASSWORD
CHRONICLE_STATE_DB $state chronicle_app $APP_PASSWORD
CHRONICLE_ADMIN_DB $events chronicle_owner $OWNER_PASSWORD
CHRONICLE_STATE_ADMIN_DB $state chronicle_owner $OWNER_PASSWORD
CHRONICLE_PROJECTOR_EVENTS_DB $events chronicle_projector $PROJECTOR_PASSWORD
CHRONICLE_PROJECTOR_STATE_DB $state chronicle_projector $PROJECTOR_PASSWORD
CHRONICLE_AUDITOR_EVENTS_DB $events chronicle_auditor $AUDITOR_PASSWORD
CHRONICLE_AUDITOR_STATE_DB $state chronicle_auditor $AUDITOR_PASSWORD
EOF
}
