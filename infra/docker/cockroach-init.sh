#!/usr/bin/env bash
# One-shot job of infra/docker-compose.yml: `cockroach init` once the three nodes listen.
# `init` fails while roach-1 is still starting, so it is tried again, a bounded number of
# times; a cluster that was initialised before (a second `docker compose up`) counts as done.
set -euo pipefail

readonly attempts_max=60
for ((attempt = 1; attempt <= attempts_max; ++attempt)); do
  if out=$(cockroach init --certs-dir=/certs --host=roach-1:26257 2>&1); then
    echo "cockroach-init: $out"
    exit 0
  fi
  if grep -q 'already been initialized' <<<"$out"; then
    echo "cockroach-init: the cluster was initialised before"
    exit 0
  fi
  echo "cockroach-init: attempt $attempt of $attempts_max: $out" >&2
  sleep 2
done
exit 1
