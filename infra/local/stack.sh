#!/usr/bin/env bash
# Local single-node stack for ChronicleLedger: a private PostgreSQL 15 cluster and a
# NATS server with JetStream, both bound to 127.0.0.1 on non-default ports.
#
#   stack.sh start [--export]   start what is not running, print the connection info
#   stack.sh stop               stop what this script started (by PID), idempotent
#   stack.sh env [--tests] [--export]
#                               print the connection info (KEY=value, or `export KEY='value'`);
#                               with --tests, the test suites' databases and NATS stream
#   stack.sh reset-tests        drop and recreate the test suites' databases, empty
#   stack.sh status             print what runs; exit 0 when both services run, 3 otherwise
#   stack.sh pg-stop | pg-start | nats-stop | nats-start    one service (fault injection)
#   stack.sh fresh-db NAME...   drop and create empty databases NAME for the stack's roles,
#                               e.g. a test's own event store (never the two served ones)
#
# `make run` serves chronicle_events and chronicle_state and publishes to the NATS stream
# LEDGER; the test suites keep to chronicle_test_events, chronicle_test_state and the stream
# LEDGER_TEST (same server, same roles), so no test event reaches what `make run` serves.
#
# Only the connection info goes to stdout; progress goes to stderr, so
#   eval "$(infra/local/stack.sh env --export)"
# is safe. Ports: CHRONICLE_PG_PORT (55432), CHRONICLE_NATS_PORT (44222),
# CHRONICLE_NATS_MONITOR_PORT (48222). The Debian default cluster "15 main" is never touched.
#
# Data lives in <repo>/.run when the `postgres` user can reach it; otherwise (e.g. a checkout
# under /root, mode 700) in /var/tmp/chronicle-<first 12 hex of sha256(repo path)>.
set -euo pipefail

readonly PG_PORT=${CHRONICLE_PG_PORT:-55432}
readonly NATS_PORT=${CHRONICLE_NATS_PORT:-44222}
readonly NATS_MONITOR_PORT=${CHRONICLE_NATS_MONITOR_PORT:-48222}
readonly PG_START_TIMEOUT_S=60
readonly PG_READY_TIMEOUT_S=30
readonly NATS_READY_TIMEOUT_S=30
readonly NATS_STOP_TIMEOUT_S=10
readonly LOCK_TIMEOUT_S=120

STACK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$STACK")/../.." && pwd -P)
readonly STACK REPO

readonly LOG_PREFIX=stack
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$REPO/infra/lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/database.sh
source "$REPO/infra/lib/database.sh"

# ---------------------------------------------------------------------------------------
# Run folder

set_paths() {
  pick_run_dir "$REPO/.run" chronicle "/pg/sock/.s.PGSQL.$PG_PORT"
  PG_DIR=$RUN/pg
  PG_DATA=$PG_DIR/data
  PG_SOCK=$PG_DIR/sock
  PG_LOG_DIR=$PG_DIR/log
  NATS_DIR=$RUN/nats
  NATS_STORE=$NATS_DIR/store
  NATS_LOG_DIR=$NATS_DIR/log
  NATS_PID_FILE=$NATS_DIR/pid
}

# Serialises start/stop calls (e.g. two `make test` at once, or a test restarting a service).
take_lock() {
  exec 9>"$RUN/stack.lock"
  flock -w "$LOCK_TIMEOUT_S" 9 || die "another stack.sh holds $RUN/stack.lock"
}

# ---------------------------------------------------------------------------------------
# PostgreSQL

pg_running() {
  [[ -f $PG_DATA/PG_VERSION ]] || return 1
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_pid() { head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true; }
pg_running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true; }

pg_init() {
  [[ -f $PG_DATA/PG_VERSION ]] && return
  log "initdb into $PG_DATA"
  as_pg mkdir -p "$PG_DATA" "$PG_LOG_DIR"
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C --username=postgres >"$PG_LOG_DIR/initdb.log" 2>&1; then
    tail -n 20 "$PG_LOG_DIR/initdb.log" >&2
    die "initdb failed (log: $PG_LOG_DIR/initdb.log)"
  fi
  echo "include_if_exists = 'chronicle.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

# Rewritten on every start so the port variables always take effect.
pg_write_conf() {
  as_pg tee "$PG_DATA/chronicle.conf" >/dev/null <<EOF
# Written by infra/local/stack.sh on every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
# A ledger acknowledges only durable commits.
fsync = on
synchronous_commit = on
full_page_writes = on
password_encryption = 'scram-sha-256'
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

pg_wait_ready() {
  local deadline=$((SECONDS + PG_READY_TIMEOUT_S))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -t 2; do
    ((SECONDS < deadline)) || die "PostgreSQL not ready on 127.0.0.1:$PG_PORT after ${PG_READY_TIMEOUT_S}s"
    sleep 0.2
  done
}

pg_psql() { as_pg "$PG_BIN/psql" "$@"; }
# The superuser on this checkout's running server (its port, whatever the caller's
# environment names: a test may run with another checkout's variables).
pg_superuser() { echo "host=$PG_SOCK port=$(pg_running_port) user=postgres"; }

# Creates the roles and, when missing, the four databases with who may connect.
pg_bootstrap() {
  db_bootstrap "$(pg_superuser)" pg_psql
}

# Databases of a test's own: dropped (with any session still on them) and created empty, like
# the served ones but never one of them.
pg_fresh_db() {
  pg_running || die "PostgreSQL is not running (run: $STACK start)"
  local db
  for db in "$@"; do
    [[ $db =~ ^[a-z][a-z0-9_]{0,62}$ ]] || die "not a database name: '$db'"
    [[ $db != "$RUN_EVENTS_DB" && $db != "$RUN_STATE_DB" ]] ||
      die "$db is the database 'make run' serves; fresh-db never drops it"
    log "recreating database $db"
    pg_psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_superuser) dbname=postgres" -v db="$db" \
      >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SQL
    db_create "$(pg_superuser)" "$db" pg_psql
  done
}

pg_start() {
  [[ -x $PG_BIN/pg_ctl ]] || die "PostgreSQL 15 is not installed (run: make deps)"
  if pg_running; then
    local port
    port=$(pg_running_port)
    [[ $port == "$PG_PORT" ]] ||
      die "PostgreSQL in $PG_DATA runs on port $port, not $PG_PORT: run '$STACK pg-stop' first"
    log "PostgreSQL already running (pid $(pg_pid), port $PG_PORT)"
  else
    pg_init
    as_pg mkdir -p "$PG_SOCK" "$PG_LOG_DIR"
    pg_write_conf
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data $PG_DATA)"
    if ! (close_extra_fds
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG_DIR/postgresql.log" \
        -w -t "$PG_START_TIMEOUT_S" start </dev/null >&2); then
      tail -n 20 "$PG_LOG_DIR/postgresql.log" >&2 || true
      die "PostgreSQL did not start (log: $PG_LOG_DIR/postgresql.log)"
    fi
  fi
  pg_wait_ready
  pg_bootstrap
}

pg_stop() {
  if ! pg_running; then
    log "PostgreSQL not running"
    return
  fi
  log "stopping PostgreSQL (pid $(pg_pid))"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$PG_START_TIMEOUT_S" stop >&2; then
    log "fast shutdown timed out; using immediate shutdown"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t "$PG_START_TIMEOUT_S" stop >&2
  fi
}

# ---------------------------------------------------------------------------------------
# NATS

nats_pid() { cat "$NATS_PID_FILE" 2>/dev/null || true; }

nats_running() { pid_file_running "$NATS_PID_FILE" nats-server; }

nats_healthy() {
  curl -sf --max-time 1 \
    "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true" >/dev/null 2>&1
}

nats_start() {
  command -v nats-server >/dev/null || die "nats-server is not installed (run: make deps)"
  local pid log_file=$NATS_LOG_DIR/nats.log
  if nats_running; then
    log "NATS already running (pid $(nats_pid), port $NATS_PORT)"
  else
    mkdir -p "$NATS_STORE" "$NATS_LOG_DIR"
    log "starting NATS on 127.0.0.1:$NATS_PORT (monitor $NATS_MONITOR_PORT, store $NATS_STORE)"
    # A new session keeps a Ctrl-C in the terminal (e.g. `make run`) from reaching NATS.
    (close_extra_fds
      exec setsid nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" \
        -sd "$NATS_STORE" </dev/null >>"$log_file" 2>&1) &
    pid=$!
    echo "$pid" >"$NATS_PID_FILE"
  fi
  pid=$(nats_pid)
  local deadline=$((SECONDS + NATS_READY_TIMEOUT_S))
  until nats_healthy; do
    if ! pid_running "$pid" || ((SECONDS >= deadline)); then
      tail -n 20 "$log_file" >&2 || true
      die "NATS not healthy on 127.0.0.1:$NATS_MONITOR_PORT (log: $log_file)"
    fi
    sleep 0.2
  done
}

nats_stop() {
  local pid
  pid=$(nats_pid)
  if ! nats_running; then
    log "NATS not running"
    rm -f "$NATS_PID_FILE"
    return
  fi
  log "stopping NATS (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + NATS_STOP_TIMEOUT_S))
  while pid_running "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if pid_running "$pid"; then
    log "NATS ignored SIGTERM for ${NATS_STOP_TIMEOUT_S}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while pid_running "$pid"; do sleep 0.1; done
  fi
  rm -f "$NATS_PID_FILE"
}

# ---------------------------------------------------------------------------------------
# Output

# Arguments: --export (shell syntax) and --tests (the test suites' databases and stream), in
# any order.
print_env() {
  local mode=plain events=$RUN_EVENTS_DB state=$RUN_STATE_DB stream=$RUN_STREAM arg
  for arg in "$@"; do
    case $arg in
      --export) mode=--export ;;
      --tests)
        events=$TEST_EVENTS_DB
        state=$TEST_STATE_DB
        stream=$TEST_STREAM
        ;;
      *) usage ;;
    esac
  done
  local -a pairs
  mapfile -t pairs < <(db_env_pairs "host=127.0.0.1 port=$PG_PORT" "$events" "$state")
  pairs+=(
    CHRONICLE_NATS "nats://127.0.0.1:$NATS_PORT"
    CHRONICLE_STREAM "$stream"
    CHRONICLE_RUN_DIR "$RUN"
    CHRONICLE_STACK "$STACK"
  )
  print_pairs "$mode" "${pairs[@]}"
}

print_status() {
  local rc=0
  echo "run dir: $RUN"
  if pg_running; then
    echo "postgresql: running (pid $(pg_pid), 127.0.0.1:$(pg_running_port), data $PG_DATA)"
  else
    echo "postgresql: stopped"
    rc=3
  fi
  if nats_running; then
    local health=unhealthy
    nats_healthy && health=healthy
    echo "nats: running (pid $(nats_pid), 127.0.0.1:$NATS_PORT, monitor $NATS_MONITOR_PORT, $health)"
  else
    echo "nats: stopped"
    rc=3
  fi
  return $rc
}

usage() {
  sed -n '2,26p' "$STACK" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd=${1:-}
  [[ -n $cmd ]] || usage
  shift
  case $cmd in
    start | stop | env | reset-tests | fresh-db | status | pg-stop | pg-start | nats-stop | \
      nats-start) ;;
    *) usage ;;
  esac
  set_paths
  case $cmd in
    start)
      log "run folder: $RUN$RUN_NOTE"
      take_lock
      pg_start
      nats_start
      print_env "$@"
      ;;
    stop)
      log "run folder: $RUN"
      take_lock
      nats_stop
      pg_stop
      ;;
    env) print_env "$@" ;;
    reset-tests)
      take_lock
      pg_fresh_db "$TEST_EVENTS_DB" "$TEST_STATE_DB"
      ;;
    status) print_status ;;
    pg-start)
      take_lock
      pg_start
      ;;
    pg-stop)
      take_lock
      pg_stop
      ;;
    nats-start)
      take_lock
      nats_start
      ;;
    nats-stop)
      take_lock
      nats_stop
      ;;
    fresh-db)
      (($# > 0)) || usage
      take_lock
      pg_fresh_db "$@"
      ;;
  esac
}

main "$@"
