#pragma once

// The bank test: a workload that drives a running node over HTTP (loopback
// only) and records every operation in a history (consistency/history.hpp)
// for `chronicle check`.
//
// It opens `accounts` accounts with a known balance each, then `clients`
// threads issue random operations until `duration` has passed: transfers
// between random accounts (unless `transfers` is off), deposits, withdrawals,
// strong reads of one account and strong reads of several at one instant
// (GET /accounts/snapshot). Every command carries a fresh Idempotency-Key (a
// transfer also uses it as its transfer_id). Nothing is retried: an operation
// whose outcome is unknown is recorded as "info" and its client continues
// under a new process number.
//
// Limits: each request is bounded by `request_timeout_ms`, each client by
// `operations_per_client_max` and by the deadline, so a run ends within
// duration + request timeout. The randomness of each client is a function of
// `seed` and the client's number; the interleaving of clients is not.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "domain/result.hpp"

namespace chronicle::consistency {

struct bank_test_config {
  std::uint16_t port = 8080;  // of a node on 127.0.0.1
  std::chrono::seconds duration{20};
  std::uint64_t seed = 1;
  int accounts = 10;
  int clients = 8;
  bool transfers = true;
  std::int64_t opening_balance = 100'000;  // minor units of USD, per account
  int request_timeout_ms = 5'000;
  std::size_t operations_per_client_max = 1'000'000;
  std::string history_path;
  std::string api_key;  // an operator's key; empty for a node run with --insecure-dev
};

constexpr int bank_accounts_max = 99;  // a snapshot read names them all, plus one unknown id
constexpr int bank_clients_max = 64;

struct bank_test_progress {
  double seconds = 0;
  std::size_t invoked = 0;
  std::size_t ok = 0;
  std::size_t failed = 0;   // "fail": definitely not done
  std::size_t unknown = 0;  // "info"
};

// Runs the test; `progress` is called about once a second from the calling
// thread. Fails with a message when the node cannot be set up for it (no
// answer, no transfer route while transfers are on, accounts not created, the
// history file not writable).
domain::result<bank_test_progress, std::string> run_bank_test(
    const bank_test_config& config, const std::function<void(const bank_test_progress&)>& progress);

}  // namespace chronicle::consistency
