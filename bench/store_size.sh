#!/usr/bin/env bash
# Store size: does a command cost more when the store holds more history? The same deposit load
# against a store of ~100,000 events, then against the same store grown to ~2,000,000, with
# replay and verify timed at both sizes and pgbench's single-row INSERT on the same server in
# the same run. Prints one line per measurement.
#
#   make build && make stack && bash bench/store_size.sh
#   SMALL_EVENTS=100000 LARGE_EVENTS=2000000 REQUESTS=300 bash bench/store_size.sh
#
# Everything runs in databases of its own (stack.sh fresh-db chronicle_bench_size_*), never in
# the ledger `make run` serves. The store grows by SQL: build/bin/grow_store appends accounts
# of 100 hash-chained events (with their snapshots) through the event store, not the API; the
# read models are rebuilt by `chronicle replay`, which is the replay measurement. The node runs
# without API keys (--insecure-dev) on loopback; its relay and projection use the stack's NATS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval "$(bash infra/local/stack.sh env --export)"

readonly SMALL_EVENTS=${SMALL_EVENTS:-100000}
readonly LARGE_EVENTS=${LARGE_EVENTS:-2000000}
readonly EVENTS_PER_ACCOUNT=100
readonly CLIENTS=${CLIENTS:-64}
readonly LOAD_ACCOUNTS=${LOAD_ACCOUNTS:-1000}
readonly REQUESTS=${REQUESTS:-300}
readonly PGBENCH_SECONDS=${PGBENCH_SECONDS:-20}
readonly PORT=${PORT:-18097}
readonly START_TIMEOUT_S=30
readonly DB=chronicle_bench_size
readonly TICKS=$(getconf CLK_TCK)

bash infra/local/stack.sh fresh-db "${DB}_events" "${DB}_state" "${DB}_pgbench"
retarget() {  # variable from to
  local value=${!1}
  export "$1=${value/dbname=$2/dbname=$3}"
}
for v in CHRONICLE_EVENTS_DB CHRONICLE_ADMIN_DB CHRONICLE_PROJECTOR_EVENTS_DB \
  CHRONICLE_AUDITOR_EVENTS_DB; do retarget "$v" chronicle_events "${DB}_events"; done
for v in CHRONICLE_STATE_DB CHRONICLE_STATE_ADMIN_DB CHRONICLE_PROJECTOR_STATE_DB \
  CHRONICLE_AUDITOR_STATE_DB; do retarget "$v" chronicle_state "${DB}_state"; done
readonly PGBENCH_DB=${CHRONICLE_ADMIN_DB/dbname=${DB}_events/dbname=${DB}_pgbench}
build/bin/chronicle migrate >&2

# CPU seconds PostgreSQL has used so far: the postmaster and its reaped children (cutime,
# cstime) plus every live child (backends, background workers).
pg_cpu() {
  local pm ticks=0 pid stat
  pm=$(head -n 1 "$CHRONICLE_RUN_DIR/pg/data/postmaster.pid")
  stat=$(cut -d' ' -f14-17 "/proc/$pm/stat")
  for t in $stat; do ticks=$((ticks + t)); done
  for pid in $(ps -o pid= --ppid "$pm"); do
    stat=$(cut -d' ' -f14-15 "/proc/$pid/stat" 2>/dev/null || echo "0 0")
    for t in $stat; do ticks=$((ticks + t)); done
  done
  echo "$ticks"
}
cpu_ms_per() {  # ticks-before ticks-after count
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$TICKS" \
    'BEGIN { printf "%.3f", (b - a) * 1000 / hz / n }'
}

events_in_store() {
  psql -X -qtA "$CHRONICLE_ADMIN_DB" -c "SELECT count(*) FROM events"
}

grow_to() {  # target events
  local have accounts
  have=$(events_in_store)
  accounts=$(((${1} - have) / EVENTS_PER_ACCOUNT))
  ((accounts > 0)) || return 0
  build/bin/grow_store --prefix "grown-$1" --accounts "$accounts" --events "$EVENTS_PER_ACCOUNT"
  # What grow_store appended is history, not news: the relay has nothing to publish.
  psql -X -q "$CHRONICLE_ADMIN_DB" -c "TRUNCATE outbox" -c "SET client_min_messages = error" \
    -c "ANALYZE"
}

node_pid=""
trap '[[ -n $node_pid ]] && kill "$node_pid" 2>/dev/null || true' EXIT
start_node() {
  # 64 clients on fresh connections: the per-client connection and rate limits are off.
  build/bin/chronicled --http-port "$PORT" --node-id bench-store-size --insecure-dev \
    --connections-per-client 0 --rate-per-key 0 \
    </dev/null >"/tmp/chronicle-bench-store-size.log" 2>&1 &
  node_pid=$!
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do
    ((SECONDS < deadline)) || { echo "the node did not start" >&2; exit 1; }
    sleep 0.2
  done
}
stop_node() {
  kill "$node_pid"
  wait "$node_pid" || true
  node_pid=""
}

measure() {  # label
  local events out secs before after deposits
  events=$(events_in_store)
  echo "## $1: $events events (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  out=$(build/bin/chronicle replay 2>&1 | tr '\r' '\n' | tail -n 1)
  psql -X -q "$CHRONICLE_STATE_ADMIN_DB" -c "SET client_min_messages = error" -c "ANALYZE"
  echo "replay: $out"
  local TIMEFORMAT=%R
  secs=$( { time build/bin/chronicle verify >/dev/null 2>&1; } 2>&1)
  awk -v s="$secs" -v n="$events" \
    'BEGIN { printf "verify: %d events in %.1f s: %.1f us per event\n", n, s, s * 1e6 / n }'
  start_node
  before=$(pg_cpu)
  out=$(build/bin/load --port "$PORT" --clients "$CLIENTS" --accounts "$LOAD_ACCOUNTS" \
    --requests "$REQUESTS") || true  # failed deposits are counted in its line
  after=$(pg_cpu)
  stop_node
  deposits=$((CLIENTS * REQUESTS))
  echo "deposits: $out (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "deposits: PostgreSQL CPU $(cpu_ms_per "$before" "$after" "$((deposits + LOAD_ACCOUNTS))")" \
    "ms per command ($deposits deposits and $LOAD_ACCOUNTS openings)"
}

pgbench_insert() {
  local script before after out tps
  psql -X -q "$PGBENCH_DB" -c "SET client_min_messages = warning" \
    -c "DROP TABLE IF EXISTS bench_rows" \
    -c "CREATE TABLE bench_rows (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v INT)"
  script=$(mktemp)
  echo "INSERT INTO bench_rows (v) VALUES (1);" >"$script"
  before=$(pg_cpu)
  out=$(/usr/lib/postgresql/15/bin/pgbench -n -c "$CLIENTS" -j 2 -T "$PGBENCH_SECONDS" \
    -f "$script" "$PGBENCH_DB" 2>&1)
  after=$(pg_cpu)
  rm -f "$script"
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  echo "pgbench: single-row INSERT, $CLIENTS connections, ${PGBENCH_SECONDS} s: $tps tps," \
    "PostgreSQL CPU $(cpu_ms_per "$before" "$after" \
      "$(awk -v t="$tps" -v s="$PGBENCH_SECONDS" 'BEGIN { printf "%d", t * s }')") ms per INSERT"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
grow_to "$SMALL_EVENTS"
measure small
pgbench_insert
grow_to "$LARGE_EVENTS"
measure large
pgbench_insert
