#pragma once

// The load generator behind `chronicle simulate`: drives running nodes over loopback HTTP,
// one keep-alive connection per client thread, and reports throughput, errors by status and
// code, latency percentiles and the projection lag it observed.
//
// Two loops:
// - closed (`rate` 0): `connections` clients each send one request, wait for its answer and
//   send the next; latency runs from sending to the answer.
// - open (`rate` > 0): operations are due on a fixed schedule (open_loop.hpp) and handed to
//   the `connections` clients through a queue; latency runs from when an operation was due,
//   so time spent waiting for a free client counts. At most `outstanding_max` operations are
//   queued or in flight: beyond that the scheduler waits, and the report says how far behind
//   its schedule it fell (`behind_ms_max`, `late`). Operations still queued when the run
//   ends are reported as `unsent`, never silently dropped.
//
// Workloads over `accounts` accounts named "<prefix>-<n>" that it opens first (idempotently:
// a run with the same prefix and key finds them open): deposits to random accounts, one hot
// account, transfers between two random accounts, reads of random accounts from the read
// model (GET /accounts/{id}, eventual), or a mix (40 % deposits, 10 % withdrawals, 20 %
// transfers, 30 % reads). Every command carries an Idempotency-Key, so a request resent on a
// fresh connection (client/http_client.hpp) is applied once.
//
// Limits: every bound below is checked by run_simulate; each request is bounded by
// `request_timeout_ms`, so a run ends within duration + request timeout after the accounts
// are open. Stopping early: when `*stop` becomes true (a signal handler may set it), no new
// operation starts, those in flight complete, and the report covers what ran.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/latency_histogram.hpp"
#include "domain/result.hpp"

namespace chronicle::bench {

enum class workload { deposits, hot, transfers, reads, mixed };
std::optional<workload> workload_from_name(std::string_view name);
std::string_view workload_name(workload w);

enum class operation_kind { deposit, withdraw, transfer, read };
constexpr std::size_t operation_kinds = 4;
std::string_view operation_name(operation_kind k);

constexpr int simulate_connections_max = 1024;
constexpr std::int64_t simulate_rate_max = 1'000'000;  // operations a second
constexpr int simulate_duration_s_max = 3600;
constexpr int simulate_accounts_max = 100'000;
constexpr int simulate_outstanding_max = 1'000'000;
constexpr std::size_t simulate_nodes_max = 16;
constexpr std::size_t simulate_prefix_bytes_max = 32;

struct simulate_config {
  std::vector<std::uint16_t> ports{8080};  // of the nodes, on 127.0.0.1; client c uses c mod n
  workload kind = workload::deposits;
  int connections = 16;
  std::int64_t rate = 0;  // operations a second; 0: closed loop
  std::chrono::seconds duration{10};
  int accounts = 100;       // opened first; the hot workload opens and uses one
  int outstanding_max = 0;  // open loop: queued or in flight; 0: 4 × connections
  std::string opening_balance = "1000000.00";  // USD, of each account opened
  std::string amount = "1.00";                 // of each deposit, withdrawal and transfer
  std::string account_prefix;  // [a-z0-9-], at most 32; empty: "sim-" and a random word
  std::string api_key;         // an operator's key; empty for a node run with --insecure-dev
  int request_timeout_ms = 10'000;
  const std::atomic<bool>* stop = nullptr;
};

struct error_count {
  int status = 0;    // 0: no answer (refused connection, timeout, unreadable reply)
  std::string code;  // the body's "code"; NO_ANSWER when there was none
  std::uint64_t count = 0;
};

struct kind_counts {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
};

struct simulate_report {
  workload kind = workload::deposits;
  bool open_loop = false;
  std::int64_t rate = 0;
  int connections = 0;
  std::string account_prefix;
  int accounts = 0;
  bool stopped_early = false;    // by *stop
  double seconds = 0;            // from the first operation to the last answer
  std::uint64_t operations = 0;  // completed: answered or given up on
  std::array<kind_counts, operation_kinds> by_kind{};
  std::vector<error_count> errors;  // by status, then code
  latency_histogram latency;
  // Open loop only.
  std::int64_t scheduled = 0;  // due within the run (or until it was stopped)
  std::int64_t unsent = 0;     // due, but still queued when the run ended
  std::uint64_t late = 0;      // handed to a client more than late_ms after it was due
  double behind_ms_max = 0;    // how far the scheduler fell behind, at most
  // The largest lag_ms of any projection on any node, sampled each second from GET /health;
  // -1 when no sample could be read.
  std::int64_t lag_ms_max = -1;
  std::int64_t lag_ms_last = -1;
  std::uint64_t lag_samples = 0;
  std::uint64_t connects = 0;  // connections opened by the clients

  std::uint64_t succeeded() const;
  std::uint64_t failed() const;
};

// An operation handed to a client later than this after it was due counts as late.
constexpr double late_ms = 10.0;

struct simulate_progress {
  enum class phase { opening, waiting_for_read_model, running } stage = phase::running;
  double seconds = 0;
  std::uint64_t done = 0;   // accounts opened or seen, or operations completed
  std::uint64_t total = 0;  // accounts to open or see; 0 while running
  std::uint64_t errors = 0;
  double ops_per_s = 0;     // over the last second
  std::int64_t queued = 0;  // open loop: operations waiting for a client
  double behind_ms = 0;     // open loop: how late the last operation handed out was
  std::int64_t lag_ms = -1;
};

// Why `config` is out of bounds, if it is.
std::optional<std::string> check_config(const simulate_config& config);

// Runs the load; `progress` is called about once a second from the calling thread. Fails with
// a message on a bad configuration, or when the accounts cannot be opened (no answer, the key
// refused) or, for reads, do not appear in the read model within read_model_wait_s.
constexpr int read_model_wait_s = 30;
domain::result<simulate_report, std::string> run_simulate(
    const simulate_config& config, const std::function<void(const simulate_progress&)>& progress);

// The report as one JSON object (docs in README.md, "chronicle simulate"), and as lines for
// people.
std::string report_json(const simulate_report& report);
std::string report_text(const simulate_report& report);

}  // namespace chronicle::bench
