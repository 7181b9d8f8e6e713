#!/usr/bin/env bash
# One-shot job of infra/docker-compose.yml: makes the CockroachDB cluster's certificates, once.
#   /ca-key      the CA's private key (only this job mounts it)
#   /certs       ca.crt, the nodes' certificate and key, the root client's (mounted by the
#                CockroachDB nodes and the jobs that run `cockroach` as root)
#   /client-ca   ca.crt alone: what the ledger's nodes need to verify the cluster (sslmode
#                verify-full); they log in with passwords, never with the root certificate
# The three nodes share one node certificate naming all three hosts: enough for one compose
# project; a deployment across machines gives each node its own (`cockroach cert create-node`).
set -euo pipefail

if [[ -s /certs/node.crt && -s /certs/client.root.crt && -s /client-ca/ca.crt ]]; then
  echo "cockroach-certs: certificates exist; nothing to do"
  exit 0
fi
cockroach cert create-ca --certs-dir=/certs --ca-key=/ca-key/ca.key --allow-ca-key-reuse
cockroach cert create-node roach-1 roach-2 roach-3 localhost 127.0.0.1 \
  --certs-dir=/certs --ca-key=/ca-key/ca.key --overwrite
cockroach cert create-client root --certs-dir=/certs --ca-key=/ca-key/ca.key --overwrite
cp /certs/ca.crt /client-ca/ca.crt
chmod 0644 /client-ca/ca.crt
echo "cockroach-certs: CA, node and root client certificates made"
