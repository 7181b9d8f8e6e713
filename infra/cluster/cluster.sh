#!/usr/bin/env bash
# Local three-node ChronicleLedger cluster, as local processes bound to 127.0.0.1:
# three etcd members, three PostgreSQL 15 members under Patroni (synchronous replication,
# synchronous_mode_strict), three NATS servers in one JetStream cluster, and three
# chronicled nodes on the same event store. See infra/cluster/README.md.
#
#   cluster.sh start [--export]   start what is not running; print the nodes' URLs and a new
#                                 admin API key (CHRONICLE_NODE_URLS=…, CHRONICLE_API_KEY=…)
#   cluster.sh stop               stop everything this script started (by PID), idempotent
#   cluster.sh env [--export]     print the connection info (KEY=value) without the key
#   cluster.sh status             who runs, the Patroni leader, the NATS stream leader, and
#                                 which nodes answer /health; exit 3 when something is down
#   cluster.sh kill KIND N        SIGKILL member N (1-3) of KIND: ledger, db (Patroni and its
#                                 PostgreSQL postmaster and children) or nats
#   cluster.sh restart KIND N     stop member N of KIND if it runs, start it, wait until ready
#   cluster.sh leader db|nats     print N of the Patroni leader or of the LEDGER stream leader
#
# Only the KEY=value lines go to stdout; progress goes to stderr. Member n of each group
# listens on the group's first port + n - 1; the first ports can be changed through
# CHRONICLE_CLUSTER_{PG,PATRONI,ETCD,ETCD_PEER,NATS,NATS_ROUTE,NATS_MONITOR,HTTP,CAF}_PORT.
# The binaries are $CHRONICLED and $CHRONICLE_CLI (default: build/bin/ of this checkout).
set -euo pipefail

readonly PG_PORT=${CHRONICLE_CLUSTER_PG_PORT:-25481}
readonly PATRONI_PORT=${CHRONICLE_CLUSTER_PATRONI_PORT:-28081}
readonly ETCD_PORT=${CHRONICLE_CLUSTER_ETCD_PORT:-23791}
readonly ETCD_PEER_PORT=${CHRONICLE_CLUSTER_ETCD_PEER_PORT:-23801}
readonly NATS_PORT=${CHRONICLE_CLUSTER_NATS_PORT:-24271}
readonly NATS_ROUTE_PORT=${CHRONICLE_CLUSTER_NATS_ROUTE_PORT:-26271}
readonly NATS_MONITOR_PORT=${CHRONICLE_CLUSTER_NATS_MONITOR_PORT:-28271}
readonly HTTP_PORT=${CHRONICLE_CLUSTER_HTTP_PORT:-8091}
readonly CAF_PORT=${CHRONICLE_CLUSTER_CAF_PORT:-8191}
readonly MEMBERS=(1 2 3)

# Patroni's timing (DESIGN.md, "Measured on this kind of machine"): a dead leader's key
# expires after ttl; retry_timeout bounds how long a leader keeps its role without etcd.
readonly PATRONI_TTL_S=6
readonly PATRONI_LOOP_WAIT_S=1
readonly PATRONI_RETRY_TIMEOUT_S=2
# Bounds on every wait of this script.
readonly ETCD_READY_TIMEOUT_S=30
readonly DB_READY_TIMEOUT_S=120
readonly NATS_READY_TIMEOUT_S=30
readonly LEDGER_READY_TIMEOUT_S=60
readonly KEY_READY_TIMEOUT_S=10
readonly BOOTSTRAP_ATTEMPTS_MAX=30
# The default ports lie below Linux's ephemeral range (32768-60999), where no outgoing
# connection takes them as its source port; ports moved into that range can be held by one
# for a while, and a server that finds its port taken exits. Such a member is started again,
# this many times in all.
readonly START_ATTEMPTS_MAX=3
readonly STOP_TIMEOUT_S=30
readonly SPAWN_TIMEOUT_S=10
readonly LOCK_TIMEOUT_S=300
readonly POLL_S=0.2
readonly CURL_TIMEOUT_S=1

# The superuser and replication passwords of this local cluster only; the ledger's roles
# and their passwords are infra/lib/database.sh's.
readonly SUPERUSER_PASSWORD=postgres-cluster-5Hq3sW
readonly REPLICATION_PASSWORD=replicator-cluster-8Lm2cD

SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT")/../.." && pwd -P)
readonly SCRIPT REPO
readonly CHRONICLED=${CHRONICLED:-$REPO/build/bin/chronicled}
readonly CHRONICLE_CLI=${CHRONICLE_CLI:-$REPO/build/bin/chronicle}

readonly LOG_PREFIX=cluster
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$REPO/infra/lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/database.sh
source "$REPO/infra/lib/database.sh"

set_paths() {
  pick_run_dir "$REPO/.run/cluster" chronicle-cluster "/pg/1/sock/.s.PGSQL.$PG_PORT"
  PID_DIR=$RUN/pids
  LOG_DIR=$RUN/log
  KEYS_FILE=$RUN/api-keys
  mkdir -p "$PID_DIR" "$LOG_DIR"
}

take_lock() {
  exec 9>"$RUN/cluster.lock"
  flock -w "$LOCK_TIMEOUT_S" 9 || die "another cluster.sh holds $RUN/cluster.lock"
}

port_of() { echo $(($1 + $2 - 1)); }
joined() {
  local IFS=,
  echo "$*"
}
pid_file() { echo "$PID_DIR/$1$2.pid"; }
member_pid() {
  local pid=""
  read -r pid 2>/dev/null <"$(pid_file "$1" "$2")" || true
  echo "$pid"
}
http_ok() { curl -sf --max-time "$CURL_TIMEOUT_S" "$1" >/dev/null 2>&1; }

# Starts a daemon in its own session with nothing of ours open, and records its PID.
# Every program of the command execs the next (no fork), so that the PID is the daemon's.
# Returns once the daemon has replaced the shell (its command name is the daemon's), so that
# the *_running checks count it, or once it has exited.
spawn() {
  local kind=$1 n=$2 pid deadline
  shift 2
  (close_extra_fds
    cd /
    exec setsid "$@" </dev/null >>"$LOG_DIR/$kind$n.log" 2>&1) &
  pid=$!
  echo "$pid" >"$(pid_file "$kind" "$n")"
  deadline=$((SECONDS + SPAWN_TIMEOUT_S))
  until pid_is "$pid" "$(member_comm "$kind")" || ! pid_running "$pid" ||
    ((SECONDS >= deadline)); do
    sleep 0.05
  done
}

# The command name of a member's process.
member_comm() {
  case $1 in
    etcd) echo etcd ;;
    db) echo patroni ;;
    nats) echo nats-server ;;
    ledger) echo chronicled ;;
  esac
}

# Runs what follows as the PostgreSQL user (PostgreSQL refuses root) without forking, as
# runuser would, so that spawn records the PID of the program itself.
if ((EUID == 0)); then
  readonly PG_EXEC=(setpriv --reuid=postgres --regid=postgres --init-groups
    env HOME=/var/lib/postgresql USER=postgres LOGNAME=postgres)
else
  readonly PG_EXEC=()
fi

# Waits until `$@` succeeds, at most TIMEOUT seconds; fails with WHAT otherwise.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    ((SECONDS < deadline)) || { log "$what: not ready after ${timeout}s"; return 1; }
    sleep "$POLL_S"
  done
}

# ---------------------------------------------------------------------------------------
# etcd

etcd_url() { echo "http://127.0.0.1:$(port_of "$ETCD_PORT" "$1")"; }
etcd_running() { pid_file_running "$(pid_file etcd "$1")" etcd; }
etcd_healthy() { curl -sf --max-time "$CURL_TIMEOUT_S" "$(etcd_url "$1")/health" | grep -q true; }

etcd_start() {
  local n=$1 peers=() m
  command -v etcd >/dev/null || die "etcd is not installed (run: make cluster)"
  if etcd_running "$n"; then return; fi
  for m in "${MEMBERS[@]}"; do
    peers+=("etcd$m=http://127.0.0.1:$(port_of "$ETCD_PEER_PORT" "$m")")
  done
  mkdir -p "$RUN/etcd/$n"
  chmod 0700 "$RUN/etcd/$n"
  log "starting etcd $n on $(etcd_url "$n")"
  # The token is the run folder's, so that members of two checkouts never join each other.
  spawn etcd "$n" etcd --name "etcd$n" --data-dir "$RUN/etcd/$n" --logger zap \
    --listen-client-urls "$(etcd_url "$n")" --advertise-client-urls "$(etcd_url "$n")" \
    --listen-peer-urls "http://127.0.0.1:$(port_of "$ETCD_PEER_PORT" "$n")" \
    --initial-advertise-peer-urls "http://127.0.0.1:$(port_of "$ETCD_PEER_PORT" "$n")" \
    --initial-cluster "$(joined "${peers[@]}")" --initial-cluster-state new \
    --initial-cluster-token "chronicle-$(printf '%s' "$RUN" | sha256sum | cut -c1-12)"
}

etcd_ready() { etcd_healthy "$1"; }

# ---------------------------------------------------------------------------------------
# PostgreSQL under Patroni

patroni_url() { echo "http://127.0.0.1:$(port_of "$PATRONI_PORT" "$1")"; }
db_dir() { echo "$RUN/pg/$1"; }
db_running() { pid_file_running "$(pid_file db "$1")" patroni; }
postmaster_pid() {
  local pid=""
  read -r pid 2>/dev/null <"$(db_dir "$1")/data/postmaster.pid" || true
  echo "$pid"
}

patroni_write_config() {
  local n=$1 dir etcd_hosts=() m
  dir=$(db_dir "$n")
  for m in "${MEMBERS[@]}"; do etcd_hosts+=("127.0.0.1:$(port_of "$ETCD_PORT" "$m")"); done
  as_pg mkdir -p "$dir/sock"
  as_pg tee "$dir/patroni.yml" >/dev/null <<EOF
# Written by infra/cluster/cluster.sh on every start of this member; edits are lost.
scope: chronicle
namespace: /chronicle/
name: pg$n
log:
  level: WARNING
restapi:
  listen: $(patroni_url "$n" | sed 's#http://##')
  connect_address: $(patroni_url "$n" | sed 's#http://##')
etcd3:
  hosts: $(joined "${etcd_hosts[@]}")
bootstrap:
  dcs:
    ttl: $PATRONI_TTL_S
    loop_wait: $PATRONI_LOOP_WAIT_S
    retry_timeout: $PATRONI_RETRY_TIMEOUT_S
    maximum_lag_on_failover: 1048576
    # A commit is acknowledged only once a second member has it, also when no standby is
    # left (then writes wait): no acknowledged event lives on one server only.
    synchronous_mode: true
    synchronous_mode_strict: true
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 200
        wal_level: replica
        wal_log_hints: 'on'
        hot_standby: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - locale: C
    - auth-local: peer
    - auth-host: scram-sha-256
postgresql:
  listen: 127.0.0.1:$(port_of "$PG_PORT" "$n")
  connect_address: 127.0.0.1:$(port_of "$PG_PORT" "$n")
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  # A member that cannot rejoin by pg_rewind is cloned again from the leader: every
  # committed transaction is on the leader and its synchronous standby.
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
  authentication:
    superuser:
      username: postgres
      password: $SUPERUSER_PASSWORD
    replication:
      username: replicator
      password: $REPLICATION_PASSWORD
  parameters:
    unix_socket_directories: '$dir/sock'
    password_encryption: scram-sha-256
    fsync: 'on'
    synchronous_commit: 'on'
    full_page_writes: 'on'
    timezone: UTC
    log_timezone: UTC
    log_line_prefix: '%m [%p] %q%u@%d '
  pg_hba:
    - local all all peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
watchdog:
  mode: 'off'
EOF
  as_pg chmod 0600 "$dir/patroni.yml"
}

db_start() {
  local n=$1
  command -v patroni >/dev/null || die "patroni is not installed (run: make cluster)"
  [[ -x $PG_BIN/postgres ]] || die "PostgreSQL 15 is not installed (run: make cluster)"
  if db_running "$n"; then return; fi
  # A postmaster left behind by a killed Patroni would hold the port and the data folder.
  db_stop_orphan "$n"
  patroni_write_config "$n"
  log "starting Patroni $n (REST $(patroni_url "$n"), PostgreSQL 127.0.0.1:$(port_of "$PG_PORT" "$n"))"
  spawn db "$n" "${PG_EXEC[@]}" patroni "$(db_dir "$n")/patroni.yml"
}

db_stop_orphan() {
  local n=$1 pid
  pid=$(postmaster_pid "$n")
  pid_is "$pid" postgres || return 0
  log "stopping the PostgreSQL of db $n that outlived its Patroni (pid $pid)"
  as_pg "$PG_BIN/pg_ctl" -D "$(db_dir "$n")/data" -m fast -w -t "$STOP_TIMEOUT_S" stop >&2 ||
    kill_postmaster "$n"
}

# The members as Patroni sees them: "name role state" lines.
patroni_members() {
  local m
  for m in "${MEMBERS[@]}"; do
    if curl -sf --max-time "$CURL_TIMEOUT_S" "$(patroni_url "$m")/cluster" 2>/dev/null |
      jq -r '.members[] | "\(.name) \(.role) \(.state)"' 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

# Ready for writes: a running leader and a synchronous standby that streams from it.
db_cluster_ready() {
  local members
  members=$(patroni_members) || return 1
  grep -q ' leader running$' <<<"$members" &&
    grep -Eq ' sync_standby (running|streaming)$' <<<"$members"
}

db_member_ready() { http_ok "$(patroni_url "$1")/health"; }

# Superuser connection string to whichever member is the primary.
superuser_conninfo() {
  echo "$(db_hosts) user=postgres password=$SUPERUSER_PASSWORD connect_timeout=2"
}

db_hosts() {
  local hosts=() ports=() m
  for m in "${MEMBERS[@]}"; do
    hosts+=(127.0.0.1)
    ports+=("$(port_of "$PG_PORT" "$m")")
  done
  echo "host=$(joined "${hosts[@]}") port=$(joined "${ports[@]}") target_session_attrs=read-write"
}

db_bootstrap_cluster() {
  local attempt
  for ((attempt = 1; attempt <= BOOTSTRAP_ATTEMPTS_MAX; attempt++)); do
    if db_bootstrap "$(superuser_conninfo)" "$PG_BIN/psql" 2>>"$LOG_DIR/bootstrap.log"; then
      return 0
    fi
    sleep 1
  done
  die "roles and databases not created after $BOOTSTRAP_ATTEMPTS_MAX attempts (log: $LOG_DIR/bootstrap.log)"
}

# ---------------------------------------------------------------------------------------
# NATS

nats_running() { pid_file_running "$(pid_file nats "$1")" nats-server; }
nats_monitor_url() { echo "http://127.0.0.1:$(port_of "$NATS_MONITOR_PORT" "$1")"; }
nats_urls() {
  local urls=() m
  for m in "${MEMBERS[@]}"; do urls+=("nats://127.0.0.1:$(port_of "$NATS_PORT" "$m")"); done
  joined "${urls[@]}"
}

nats_write_config() {
  local n=$1 routes=() m
  # The routes list needs commas (or quotes): bare URLs on one line are one string.
  for m in "${MEMBERS[@]}"; do
    routes+=("\"nats-route://127.0.0.1:$(port_of "$NATS_ROUTE_PORT" "$m")\"")
  done
  mkdir -p "$RUN/nats/$n"
  cat >"$RUN/nats/$n.conf" <<EOF
# Written by infra/cluster/cluster.sh on every start of this server; edits are lost.
server_name: nats-$n
listen: 127.0.0.1:$(port_of "$NATS_PORT" "$n")
http: 127.0.0.1:$(port_of "$NATS_MONITOR_PORT" "$n")
jetstream {
  store_dir: "$RUN/nats/$n"
  max_memory_store: 256MB
  max_file_store: 4GB
}
cluster {
  name: chronicle
  listen: 127.0.0.1:$(port_of "$NATS_ROUTE_PORT" "$n")
  routes: [$(joined "${routes[@]}")]
}
EOF
}

nats_start() {
  local n=$1
  command -v nats-server >/dev/null || die "nats-server is not installed (run: make cluster)"
  if nats_running "$n"; then return; fi
  nats_write_config "$n"
  log "starting NATS $n on 127.0.0.1:$(port_of "$NATS_PORT" "$n") (monitor $(nats_monitor_url "$n"))"
  spawn nats "$n" nats-server -c "$RUN/nats/$n.conf"
}

# Serving JetStream, with a JetStream meta leader elected.
nats_ready() {
  http_ok "$(nats_monitor_url "$1")/healthz?js-enabled-only=true" &&
    [[ -n $(curl -sf --max-time "$CURL_TIMEOUT_S" "$(nats_monitor_url "$1")/jsz" |
      jq -r '.meta_cluster.leader // empty' 2>/dev/null) ]]
}

# The server name leading the LEDGER stream, from any server that answers.
nats_stream_leader() {
  local m leader
  for m in "${MEMBERS[@]}"; do
    leader=$(curl -sf --max-time "$CURL_TIMEOUT_S" \
      "$(nats_monitor_url "$m")/jsz?accounts=true&streams=true" 2>/dev/null |
      jq -r '[.account_details[]?.stream_detail[]? | select(.name == "LEDGER")
              | .cluster.leader // empty][0] // empty' 2>/dev/null) || continue
    if [[ -n $leader ]]; then
      echo "$leader"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------------------------------
# Ledger nodes

ledger_running() { pid_file_running "$(pid_file ledger "$1")" chronicled; }
ledger_url() { echo "http://127.0.0.1:$(port_of "$HTTP_PORT" "$1")/"; }
ledger_urls() {
  local urls=() m
  for m in "${MEMBERS[@]}"; do urls+=("$(ledger_url "$m")"); done
  joined "${urls[@]}"
}

# Answers /health with 200 and its own node id (not some other process on the port).
ledger_ready() {
  curl -sf --max-time "$CURL_TIMEOUT_S" "$(ledger_url "$1")health" 2>/dev/null |
    jq -e --arg id "node-$1" '.node_id == $id' >/dev/null 2>&1
}

ledger_start() {
  local n=$1 pairs=() i
  [[ -x $CHRONICLED ]] || die "no chronicled at $CHRONICLED (run: make build)"
  if ledger_running "$n"; then return; fi
  mapfile -t pairs < <(db_env_pairs "$(db_hosts)")
  local -a env_args=()
  for ((i = 0; i < ${#pairs[@]}; i += 2)); do env_args+=("${pairs[i]}=${pairs[i + 1]}"); done
  log "starting ledger node $n on $(ledger_url "$n")"
  # Connection strings go through the environment, so that ps shows no password.
  spawn ledger "$n" env "${env_args[@]}" \
    CHRONICLE_HTTP_ADDRESS=127.0.0.1 CHRONICLE_HTTP_PORT="$(port_of "$HTTP_PORT" "$n")" \
    CHRONICLE_NODE_ID="node-$n" CHRONICLE_NATS="$(nats_urls)" \
    CHRONICLE_CLUSTER="127.0.0.1:$(port_of "$CAF_PORT" "$n")" \
    CHRONICLE_STREAM="$RUN_STREAM" CHRONICLE_NATS_STREAM_REPLICAS=3 CHRONICLE_API_KEYS="$KEYS_FILE" "$CHRONICLED"
}

ensure_keys_file() {
  [[ -x $CHRONICLE_CLI ]] || die "no chronicle CLI at $CHRONICLE_CLI (run: make build)"
  # A node refuses to start on a missing keys file; a key is made before the nodes start.
  [[ -s $KEYS_FILE ]] || new_admin_key >/dev/null
}

# Replaces the key "cluster-admin" and prints its token; the nodes re-read the file.
new_admin_key() {
  "$CHRONICLE_CLI" keys create --file "$KEYS_FILE" --id cluster-admin --role admin --replace
}

# Waits until every running ledger node accepts TOKEN: a node re-reads the keys file at most
# once a second, and a key printed before that would be refused.
await_key() {
  local token=$1 m deadline=$((SECONDS + KEY_READY_TIMEOUT_S))
  for m in "${MEMBERS[@]}"; do
    ledger_running "$m" || continue
    until curl -sf --max-time "$CURL_TIMEOUT_S" -H "Authorization: Bearer $token" \
      "$(ledger_url "$m")session" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "ledger node $m refuses the new key after ${KEY_READY_TIMEOUT_S}s"
      sleep 0.2
    done
  done
}

# ---------------------------------------------------------------------------------------
# One member of a kind

valid_member() {
  local kind=$1 n=$2
  case $kind in ledger | db | nats) ;; *) die "KIND must be ledger, db or nats, not '$kind'" ;; esac
  [[ $n =~ ^[1-3]$ ]] || die "N must be 1, 2 or 3, not '$n'"
}

member_running() { "${1}_running" "$2"; }

member_ready_timeout() {
  case $1 in
    db) echo "$DB_READY_TIMEOUT_S" ;;
    nats) echo "$NATS_READY_TIMEOUT_S" ;;
    ledger) echo "$LEDGER_READY_TIMEOUT_S" ;;
    etcd) echo "$ETCD_READY_TIMEOUT_S" ;;
  esac
}

# The PIDs of the postmaster of db N and of its children, read before any is killed.
postmaster_family() {
  local pid
  pid=$(postmaster_pid "$1")
  pid_is "$pid" postgres || return 0
  echo "$pid"
  ps -o pid= --ppid "$pid" 2>/dev/null || true
}

kill_postmaster() {
  local pids
  mapfile -t pids < <(postmaster_family "$1")
  ((${#pids[@]} == 0)) || kill -KILL "${pids[@]}" 2>/dev/null || true
}

kill_member() {
  local kind=$1 n=$2 pid family=()
  pid=$(member_pid "$kind" "$n")
  # Patroni detaches PostgreSQL: a crash of the machine is Patroni, the postmaster and every
  # backend dying at once.
  [[ $kind == db ]] && mapfile -t family < <(postmaster_family "$n")
  if ! member_running "$kind" "$n" && ((${#family[@]} == 0)); then
    log "$kind $n is not running"
    return 0
  fi
  member_running "$kind" "$n" || pid=""
  log "SIGKILL $kind $n (pid ${pid:-none}${family[*]:+; postgres ${family[*]}})"
  kill -KILL ${pid:+"$pid"} "${family[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S)) p
  for p in ${pid:+"$pid"} "${family[@]}"; do
    while pid_running "$p" && ((SECONDS < deadline)); do sleep 0.05; done
  done
}

# SIGTERM, a bounded wait, then SIGKILL.
stop_member() {
  local kind=$1 n=$2 pid
  if ! member_running "$kind" "$n"; then
    [[ $kind == db ]] && db_stop_orphan "$n"
    rm -f "$(pid_file "$kind" "$n")"
    return 0
  fi
  pid=$(member_pid "$kind" "$n")
  log "stopping $kind $n (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while pid_running "$pid" && ((SECONDS < deadline)); do sleep "$POLL_S"; done
  if pid_running "$pid"; then
    log "$kind $n ignored SIGTERM for ${STOP_TIMEOUT_S}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [[ $kind == db ]] && db_stop_orphan "$n"
  rm -f "$(pid_file "$kind" "$n")"
}

restart_member() {
  local kind=$1 n=$2
  stop_member "$kind" "$n"
  if [[ $kind == db ]]; then
    db_start "$n"
    wait_for "$DB_READY_TIMEOUT_S" "db $n" db_member_ready "$n" ||
      die "db $n did not become ready (log: $LOG_DIR/db$n.log)"
  else
    start_member "$kind" "$n"
  fi
  log "$kind $n ready"
}

# ---------------------------------------------------------------------------------------
# The whole cluster

# Starts member N of KIND and waits until it is ready; starts it again when it exits first.
start_member() {
  local kind=$1 n=$2 attempt deadline pid
  for ((attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt++)); do
    "${kind}_start" "$n"
    deadline=$((SECONDS + $(member_ready_timeout "$kind")))
    # Alive by PID alone: right after spawn the process may not have exec'd the daemon yet.
    pid=$(member_pid "$kind" "$n")
    while pid_running "$pid" && ((SECONDS < deadline)); do
      "${kind}_ready" "$n" && return 0
      sleep "$POLL_S"
    done
    pid_running "$pid" || { log "$kind $n exited (attempt $attempt): $(
      tail -n 1 "$LOG_DIR/$kind$n.log" 2>/dev/null)"; continue; }
    break
  done
  die "$kind $n did not become ready (log: $LOG_DIR/$kind$n.log)"
}

start_group() {
  local kind=$1 m
  for m in "${MEMBERS[@]}"; do "${kind}_start" "$m"; done
  for m in "${MEMBERS[@]}"; do start_member "$kind" "$m"; done
}

cluster_start() {
  local began=$SECONDS m
  # NATS first: its route ports are the likeliest to be taken as the source port of the
  # long-lived connections the others open (etcd's peers, Patroni, the nodes).
  start_group nats
  log "NATS ready after $((SECONDS - began)) s"
  start_group etcd
  log "etcd ready after $((SECONDS - began)) s"
  for m in "${MEMBERS[@]}"; do db_start "$m"; done
  wait_for "$DB_READY_TIMEOUT_S" "Patroni leader and synchronous standby" db_cluster_ready ||
    die "the database cluster did not become ready (logs: $LOG_DIR/db*.log)"
  db_bootstrap_cluster
  log "database cluster ready after $((SECONDS - began)) s: $(patroni_members | tr '\n' ';')"
  ensure_keys_file
  # The first node applies the migrations alone; then the others start together.
  start_member ledger 1
  start_group ledger
  log "cluster ready in $((SECONDS - began)) s (run folder $RUN$RUN_NOTE)"
}

cluster_stop() {
  local m leader
  for m in "${MEMBERS[@]}"; do stop_member ledger "$m"; done
  for m in "${MEMBERS[@]}"; do stop_member nats "$m"; done
  # The standbys first, so that stopping them hands no leadership around.
  leader=$(patroni_members 2>/dev/null | awk '$2 == "leader" {print $1}' | sed 's/^pg//')
  for m in "${MEMBERS[@]}"; do [[ $m == "$leader" ]] || stop_member db "$m"; done
  [[ -z $leader ]] || stop_member db "$leader"
  for m in "${MEMBERS[@]}"; do stop_member etcd "$m"; done
}

print_env() {
  local -a pairs
  mapfile -t pairs < <(db_env_pairs "$(db_hosts)")
  pairs+=(
    CHRONICLE_NATS "$(nats_urls)"
    CHRONICLE_NODE_URLS "$(ledger_urls)"
    CHRONICLE_CLUSTER_RUN_DIR "$RUN"
    CHRONICLE_CLUSTER "$SCRIPT"
  )
  print_pairs "${1:-plain}" "${pairs[@]}"
}

# One line on member N of KIND, which runs; MEMBERS_NOW and STREAM_LEADER are read once.
member_state() {
  local kind=$1 m=$2
  case $kind in
    etcd)
      printf '%s' "$(etcd_url "$m")"
      if etcd_healthy "$m"; then printf ' healthy'; else printf ' unhealthy'; fi
      ;;
    db)
      printf 'PostgreSQL 127.0.0.1:%s, REST %s: %s' "$(port_of "$PG_PORT" "$m")" \
        "$(patroni_url "$m")" "$(awk -v name="pg$m" '$1 == name {print $2 " " $3}' \
          <<<"$MEMBERS_NOW")"
      ;;
    nats)
      printf '127.0.0.1:%s' "$(port_of "$NATS_PORT" "$m")"
      if nats_ready "$m"; then printf ' ready'; else printf ' not ready'; fi
      if [[ $STREAM_LEADER == "nats-$m" ]]; then printf ', LEDGER stream leader'; fi
      ;;
    ledger)
      printf '%s' "$(ledger_url "$m")"
      if ledger_ready "$m"; then printf ' answers /health'; else printf ' does not answer /health'; fi
      ;;
  esac
}

print_status() {
  local rc=0 m kind
  echo "run folder: $RUN"
  MEMBERS_NOW=$(patroni_members 2>/dev/null || true)
  STREAM_LEADER=$(nats_stream_leader 2>/dev/null || true)
  for kind in etcd db nats ledger; do
    for m in "${MEMBERS[@]}"; do
      if member_running "$kind" "$m"; then
        echo "$kind $m: running (pid $(member_pid "$kind" "$m")) $(member_state "$kind" "$m")"
      else
        echo "$kind $m: stopped"
        rc=3
      fi
    done
  done
  echo "patroni leader: $(awk '$2 == "leader" {print $1}' <<<"$MEMBERS_NOW" | sed 's/^pg/db /')"
  echo "nats stream leader: ${STREAM_LEADER:-none}"
  return $rc
}

print_leader() {
  local leader
  if [[ $1 == db ]]; then
    leader=$(patroni_members | awk '$2 == "leader" {print $1}')
  else
    leader=$(nats_stream_leader)
  fi
  [[ $leader =~ [1-3]$ ]] || die "no $1 leader now"
  echo "${leader: -1}"
}

usage() {
  sed -n '2,21p' "$SCRIPT" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd=${1:-}
  [[ -n $cmd ]] || usage
  shift
  case $cmd in
    start | stop | env | status) ;;
    kill | restart) (($# == 2)) || usage ;;
    leader) [[ ${1:-} == db || ${1:-} == nats ]] || usage ;;
    *) usage ;;
  esac
  set_paths
  case $cmd in
    start)
      take_lock
      cluster_start
      local token
      token=$(new_admin_key) || die "could not create the admin key"
      await_key "$token"
      print_pairs "${1:-plain}" CHRONICLE_NODE_URLS "$(ledger_urls)" CHRONICLE_API_KEY "$token"
      ;;
    stop)
      take_lock
      cluster_stop
      ;;
    env) print_env "${1:-plain}" ;;
    status) print_status ;;
    leader) print_leader "$1" ;;
    kill)
      valid_member "$1" "$2"
      kill_member "$1" "$2"
      ;;
    restart)
      valid_member "$1" "$2"
      take_lock
      restart_member "$1" "$2"
      ;;
  esac
}

main "$@"
