#!/usr/bin/env bash
# Run once by the postgres image when it creates its data folder (/docker-entrypoint-initdb.d):
# the ledger's database roles and its read-model database, made by the same functions as the
# local stack's and cluster's (infra/lib/database.sh, mounted at /setup/database.sh;
# docs/SECURITY.md, "Database roles"), with the Compose set-up's passwords. The tables and
# their privileges come from the migrations (the compose file's migrate job).
set -euo pipefail

for name in CHRONICLE_OWNER_PASSWORD CHRONICLE_APP_PASSWORD CHRONICLE_PROJECTOR_PASSWORD \
  CHRONICLE_AUDITOR_PASSWORD; do
  [[ -n ${!name:-} ]] || { echo "postgres-setup: $name is not set" >&2; exit 1; }
done

# shellcheck source=../lib/database.sh
source /setup/database.sh
db_roles "" "$CHRONICLE_OWNER_PASSWORD" "$CHRONICLE_APP_PASSWORD" \
  "$CHRONICLE_PROJECTOR_PASSWORD" "$CHRONICLE_AUDITOR_PASSWORD" psql --username "$POSTGRES_USER"
db_create "" "$RUN_STATE_DB" psql --username "$POSTGRES_USER"
