# shellcheck shell=bash
# Helpers shared by the local stack (infra/local/stack.sh) and the local cluster
# (infra/cluster/cluster.sh): messages, running commands as the PostgreSQL user, starting
# daemons that hold nothing of their caller, and picking a run folder PostgreSQL can use.
# Sourced, never run. The caller sets LOG_PREFIX (e.g. "stack") before using log or die.

readonly PG_BIN=/usr/lib/postgresql/15/bin
# A unix socket path must fit in sun_path (108 bytes, NUL included).
readonly SOCKET_PATH_MAX=100

# Connection settings from the caller's environment (PGHOST, PGPORT, PGUSER, ...) would
# redirect our own psql/pg_ctl calls; every call states its target explicitly.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^PG' || true)
unset var

log() { echo "${LOG_PREFIX:-infra}: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command as the user PostgreSQL runs as: `postgres` when we are root (PostgreSQL
# refuses to run as root), ourselves otherwise. The working directory is / because
# pg_ctl and initdb fail when they cannot read the current directory (e.g. /root).
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Closes every file descriptor above 2 in the current (sub)shell, so a daemon started from
# here holds no pipe or lock of its caller: a harness waiting for EOF on a pipe would hang.
close_extra_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then
      eval "exec ${fd}>&-" 2>/dev/null || true
    fi
  done
}

# True when the process exists and is not a zombie (PID 1 may not reap promptly). Reads with
# builtins only: a fork per check is slow on a loaded machine, and `kill` checks many PIDs.
pid_running() {
  local pid=$1 stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# True when PID runs and its command name is COMM (PIDs get reused).
pid_is() {
  local pid=$1 comm=$2 name=""
  pid_running "$pid" || return 1
  read -r name 2>/dev/null <"/proc/$pid/comm" || return 1
  [[ $name == "$comm" ]]
}

# True when the PID file names a live process whose command name is COMM.
pid_file_running() {
  local pid=""
  read -r pid 2>/dev/null <"$1" || return 1
  pid_is "$pid" "$2"
}

postgres_can_write() {
  local dir=$1
  if ((EUID == 0)); then
    # shellcheck disable=SC2016 # $1 is expanded by the inner shell, on purpose.
    runuser -u postgres -- /bin/sh -c 'cd / && test -w "$1" && test -x "$1"' sh "$dir" \
      2>/dev/null
  else
    test -w "$dir" && test -x "$dir"
  fi
}

# Creates RUN/pg owned by the PostgreSQL user; fails if that user cannot write into it.
prepare_pg_dir() {
  local run=$1
  mkdir -p "$run/pg" 2>/dev/null || return 1
  if ((EUID == 0)); then
    chown postgres:postgres "$run/pg" || return 1
  fi
  chmod 0755 "$run" "$run/pg" || return 1
  postgres_can_write "$run/pg"
}

# Sets RUN (and RUN_NOTE, why the fallback was taken) to LOCAL_DIR when the PostgreSQL user
# can reach it and the longest socket path below it (LOCAL_DIR + SOCKET_SUFFIX) fits, else to
# /var/tmp/NAME-<first 12 hex of sha256(repo path)>. Prepares RUN/pg either way.
pick_run_dir() {
  local local_run=$1 name=$2 socket_suffix=$3 hash fallback
  if ((${#local_run} + ${#socket_suffix} <= SOCKET_PATH_MAX)) && prepare_pg_dir "$local_run"; then
    RUN=$local_run
    RUN_NOTE=""
    return
  fi
  # Leave no empty folders behind in the checkout when it cannot be used.
  rmdir "$local_run/pg" "$local_run" 2>/dev/null || true
  hash=$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
  fallback=/var/tmp/$name-$hash
  prepare_pg_dir "$fallback" ||
    die "neither $local_run nor $fallback is usable by the PostgreSQL user"
  RUN=$fallback
  RUN_NOTE=" ($local_run is not reachable by the PostgreSQL user or its socket path is too long)"
}

# Prints KEY VALUE pairs as KEY=value lines, or with --export as `export KEY='value'` lines
# that a shell can eval.
print_pairs() {
  local mode=$1 i
  shift
  local -a pairs=("$@")
  for ((i = 0; i < ${#pairs[@]}; i += 2)); do
    if [[ $mode == --export ]]; then
      printf "export %s='%s'\n" "${pairs[i]}" "${pairs[i + 1]//\'/\'\\\'\'}"
    else
      printf '%s=%s\n' "${pairs[i]}" "${pairs[i + 1]}"
    fi
  done
}
