#!/usr/bin/env bash
# Group commit, measured: the same load against a node that batches commands
# (--batch-commands-max 256) and one that commits each alone (1), in one run.
# Needs `make build` and `make stack`; starts and stops its own two nodes by PID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Its accounts go to the test suites' databases and stream, never into the ledger `make run`
# serves (the next test run empties them).
eval "$(bash infra/local/stack.sh env --tests --export)"

readonly CLIENTS=${CLIENTS:-32}
readonly REQUESTS=${REQUESTS:-50}
readonly START_TIMEOUT_S=30

# The nodes serve loopback only and run without API keys (--insecure-dev): the load tool then
# sends no key, and the benchmark measures commits, not authentication.
run_node() {  # port batch-max -> prints the node's PID
  build/bin/chronicled --http-port "$1" --batch-commands-max "$2" --node-id "bench-$2" \
    --insecure-dev </dev/null >"/tmp/chronicle-bench-$1.log" 2>&1 &
  local pid=$! deadline=$((SECONDS + START_TIMEOUT_S))
  until curl -sf "http://127.0.0.1:$1/health" >/dev/null; do
    ((SECONDS < deadline)) || { echo "node on $1 did not start" >&2; kill "$pid"; exit 1; }
    sleep 0.2
  done
  echo "$pid"
}

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
for batch in 256 1; do
  port=$((18090 + (batch > 1)))
  pids+=("$(run_node "$port" "$batch")")
  echo "## --batch-commands-max $batch"
  build/bin/load --port "$port" --clients 1 --accounts 1 --requests $((REQUESTS * 4))
  build/bin/load --port "$port" --clients "$CLIENTS" --accounts 1 --requests "$REQUESTS"
  build/bin/load --port "$port" --clients "$CLIENTS" --accounts "$CLIENTS" --requests "$REQUESTS"
done
