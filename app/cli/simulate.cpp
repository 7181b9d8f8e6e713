// chronicle simulate: the load generator of bench/simulate.hpp.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>

#include "app/cli/command.hpp"
#include "bench/simulate.hpp"

namespace chronicle::app::cli {
namespace {

// Set by SIGINT or SIGTERM: the clients finish their requests in flight and the report
// covers what ran (lock-free, so a signal handler may store it).
std::atomic<bool> simulate_stop{false};
void stop_simulate(int) {
  simulate_stop.store(true);
}

void print_progress(const bench::simulate_progress& p) {
  using phase = bench::simulate_progress::phase;
  if (p.stage != phase::running) {
    std::fprintf(stderr, "simulate: %s %llu/%llu accounts\n",
                 p.stage == phase::opening ? "opening" : "waiting for the read model to show",
                 static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total));
    return;
  }
  std::fprintf(stderr, "simulate: %3.0f s  %llu operations (%.0f/s), %llu errors, ", p.seconds,
               static_cast<unsigned long long>(p.done), p.ops_per_s,
               static_cast<unsigned long long>(p.errors));
  if (p.lag_ms >= 0) {
    std::fprintf(stderr, "projection lag %lld ms", static_cast<long long>(p.lag_ms));
  } else {
    std::fprintf(stderr, "projection lag unknown");
  }
  if (p.queued > 0 || p.behind_ms > bench::late_ms) {
    std::fprintf(stderr, ", %lld queued, schedule %.0f ms behind", static_cast<long long>(p.queued),
                 p.behind_ms);
  }
  std::fprintf(stderr, "\n");
}

}  // namespace

int simulate(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop = parse(
          "simulate",
          "drive nodes with a workload for a bounded time and report operations a second, "
          "errors by status and code, latency percentiles and the projection lag observed. "
          "Closed loop (--connections clients, one request at a time each) unless --rate "
          "sets an open loop, where latency counts from each operation's intended send time. "
          "Workloads: deposits (over --accounts accounts), hot (one account), transfers "
          "(between random accounts), reads (GET /accounts/{id}, the read model), mixed (40 % "
          "deposits, 10 % withdrawals, 20 % transfers, 30 % reads). The accounts are opened "
          "first, idempotently. A progress line each second on stderr; SIGINT or SIGTERM ends "
          "the run early, still with its report. Exit 0: every operation succeeded; 1: the run "
          "completed with failed operations (the report counts them); 2: bad options; 3: the "
          "run could not start (no node, accounts not opened).",
          {{"url", "CHRONICLE_NODE_URL", "http://127.0.0.1:8080",
            "the node, or several separated by commas (loopback only)"},
           {"workload", "", "deposits", "deposits, hot, transfers, reads or mixed"},
           {"connections", "", "16", "keep-alive connections, one client thread each (1-1024)"},
           {"rate", "", "0", "open loop: operations a second (1-1000000); 0: closed loop"},
           {"outstanding", "", "0",
            "open loop: operations queued or in flight at most (1-1000000); 0: 4 x connections"},
           {"duration", "", "10", "seconds of load (1-3600)"},
           {"accounts", "", "100", "accounts to open and use (1-100000; 2+ for transfers, mixed)"},
           {"amount", "", "1.00", "USD of each deposit, withdrawal and transfer"},
           {"opening-balance", "", "1000000.00", "USD each account is opened with"},
           {"account-prefix", "", "",
            "accounts are named PREFIX-N (a-z, 0-9, '-'; at most 32); empty: sim- and a random "
            "word"},
           {"request-timeout-ms", "", "10000", "bound of each request (100-60000)"},
           {"json", "", "", "print the report as one JSON object on stdout", true},
           {"api-key", "CHRONICLE_API_KEY", "", "an operator's API key (Bearer token)"}},
          argc, argv, opts)) {
    return *stop;
  }
  const auto ports = loopback_ports(opts->get("url"), bench::simulate_nodes_max);
  const auto kind = bench::workload_from_name(opts->get("workload"));
  const auto connections = opts->integer("connections", 1, bench::simulate_connections_max);
  const auto rate = opts->integer("rate", 0, bench::simulate_rate_max);
  const auto outstanding = opts->integer("outstanding", 0, bench::simulate_outstanding_max);
  const auto duration = opts->integer("duration", 1, bench::simulate_duration_s_max);
  const auto accounts = opts->integer("accounts", 1, bench::simulate_accounts_max);
  const auto timeout = opts->integer("request-timeout-ms", 100, 60'000);
  for (const auto* r : {&connections, &rate, &outstanding, &duration, &accounts, &timeout}) {
    if (!*r) {
      std::fprintf(stderr, "chronicle simulate: %s\n", r->error().c_str());
      return 2;
    }
  }
  if (!ports) {
    std::fprintf(stderr, "chronicle simulate: %s\n", ports.error().c_str());
    return 2;
  }
  if (!kind) {
    std::fprintf(stderr,
                 "chronicle simulate: --workload must be deposits, hot, transfers, reads or "
                 "mixed, not '%s'\n",
                 opts->get("workload").c_str());
    return 2;
  }
  bench::simulate_config config;
  config.ports = *ports;
  config.kind = *kind;
  config.connections = static_cast<int>(*connections);
  config.rate = *rate;
  config.outstanding_max = static_cast<int>(*outstanding);
  config.duration = std::chrono::seconds{*duration};
  config.accounts = static_cast<int>(*accounts);
  config.amount = opts->get("amount");
  config.opening_balance = opts->get("opening-balance");
  config.account_prefix = opts->get("account-prefix");
  config.request_timeout_ms = static_cast<int>(*timeout);
  config.api_key = opts->get("api-key");
  config.stop = &simulate_stop;
  if (auto why = bench::check_config(config)) {
    std::fprintf(stderr, "chronicle simulate: %s\n", why->c_str());
    return 2;
  }
  std::signal(SIGINT, stop_simulate);
  std::signal(SIGTERM, stop_simulate);
  const auto report = bench::run_simulate(config, print_progress);
  if (!report) {
    std::fprintf(stderr, "chronicle simulate: %s\n", report.error().c_str());
    return 3;
  }
  if (opts->enabled("json")) {
    std::printf("%s\n", bench::report_json(*report).c_str());
  } else {
    std::printf("%s", bench::report_text(*report).c_str());
  }
  return report->failed() == 0 ? 0 : 1;
}

}  // namespace chronicle::app::cli
