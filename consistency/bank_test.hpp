#pragma once

// The bank test: a workload that drives running nodes over HTTP (loopback
// only) and records every operation in a history (consistency/history.hpp)
// for `chronicle check`.
//
// It opens `accounts` accounts with a known balance each, then `clients`
// threads issue random operations until `duration` has passed: transfers
// between random accounts (unless `transfers` is off), deposits, withdrawals,
// strong reads of one account and strong reads of several at one instant
// (GET /accounts/snapshot). Every command carries a fresh Idempotency-Key (a
// transfer also uses it as its transfer_id).
//
// Several nodes: client c's home is node c mod n. A client whose request gets
// no answer or a 5xx moves to the next node in the list, and stays there for
// its next operations; after `home_retry_interval_ms` away it tries its home
// again, so a restarted node gets its clients back. Each completion records
// the node that answered and the attempts that failed before.
//
// Retries: with `retry_ms` 0 (the default) nothing is retried: an operation
// whose outcome is unknown is recorded as "info" and its client continues
// under a new process number. Otherwise such an operation is sent again, with
// the same Idempotency-Key and body (so at most one attempt takes effect, and
// a retry of one that did returns its stored response), to the client's
// current node after a short pause, until it is answered, `retry_ms` have
// passed since its invocation or the run ends; only then is it "info".
//
// Stopping early: when `*stop` becomes true (a signal handler may set it), each
// client stops retrying, completes its current operation and starts no other,
// so the history stays whole.
//
// Limits: each request is bounded by `request_timeout_ms`, each client by
// `operations_per_client_max` and by the deadline, so a run ends within
// duration + request timeout. The randomness of each client is a
// function of `seed` and the client's number; the interleaving of clients and
// the nodes' answers are not.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::consistency {

struct bank_test_config {
  std::vector<std::uint16_t> ports{8080};  // of the nodes, on 127.0.0.1
  std::chrono::seconds duration{20};
  std::uint64_t seed = 1;
  int accounts = 10;
  int clients = 8;
  bool transfers = true;
  std::int64_t opening_balance = 100'000;  // minor units of USD, per account
  int request_timeout_ms = 5'000;
  int retry_ms = 0;
  int home_retry_interval_ms = 1'000;
  std::size_t operations_per_client_max = 1'000'000;
  std::string history_path;
  std::string api_key;  // an operator's key; empty for a node run with --insecure-dev
  const std::atomic<bool>* stop = nullptr;
};

constexpr int bank_accounts_max = 99;  // a snapshot read names them all, plus one unknown id
constexpr int bank_clients_max = 64;
constexpr std::size_t bank_nodes_max = 16;
constexpr int bank_retry_ms_max = 600'000;

struct bank_test_progress {
  double seconds = 0;
  std::size_t invoked = 0;
  std::size_t ok = 0;
  std::size_t failed = 0;   // "fail": definitely not done
  std::size_t unknown = 0;  // "info"
  std::size_t retried = 0;  // requests sent again after no answer or a 5xx
};

// Runs the test; `progress` is called about once a second from the calling
// thread. Fails with a message when the nodes cannot be set up for it (no
// answer from any, no transfer route while transfers are on, accounts not
// created, the history file not writable).
domain::result<bank_test_progress, std::string> run_bank_test(
    const bank_test_config& config, const std::function<void(const bank_test_progress&)>& progress);

}  // namespace chronicle::consistency
