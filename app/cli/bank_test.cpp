// chronicle bank-test: the workload of consistency/bank_test.hpp, recording a history.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "app/cli/command.hpp"
#include "consistency/bank_test.hpp"

namespace chronicle::app::cli {
namespace {

// Set by SIGINT or SIGTERM during a bank test: the clients finish their operations in flight
// and the history is written whole (lock-free, so a signal handler may store it).
std::atomic<bool> bank_test_stop{false};
void stop_bank_test(int) {
  bank_test_stop.store(true);
}

}  // namespace

int bank_test(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop = parse(
          "bank-test",
          "open accounts with a known total, then let concurrent clients transfer, deposit, "
          "withdraw and read over HTTP for a bounded time, recording a history for 'chronicle "
          "check'. With several nodes, clients spread over them and move to another node when "
          "theirs fails. SIGINT or SIGTERM ends the run early with a whole history.",
          {{"url", "CHRONICLE_NODE_URL", "http://127.0.0.1:8080",
            "the node, or several separated by commas (loopback only)"},
           {"history", "", "bank-test-history.jsonl", "where to write the history (JSON lines)"},
           {"duration", "", "20", "seconds of load (1-3600)"},
           {"accounts", "", "10", "accounts to open (2-99)"},
           {"clients", "", "8", "concurrent clients, one thread each (1-64)"},
           {"seed", "", "0", "seed of the clients' randomness; 0: pick one (printed)"},
           {"request-timeout-ms", "", "5000",
            "bound of each request; beyond it the outcome is "
            "unknown ('info')"},
           {"retry-ms", "", "0",
            "resend an operation left without an answer or with a 5xx, same Idempotency-Key, "
            "to the next node until this long after its invocation (0: never; it is 'info')"},
           {"no-transfers", "", "", "deposits, withdrawals and reads only", true},
           {"api-key", "CHRONICLE_API_KEY", "", "an operator's API key (Bearer token)"}},
          argc, argv, opts)) {
    return *stop;
  }
  const auto ports = loopback_ports(opts->get("url"), consistency::bank_nodes_max);
  const auto duration = opts->integer("duration", 1, 3600);
  const auto accounts = opts->integer("accounts", 2, consistency::bank_accounts_max);
  const auto clients = opts->integer("clients", 1, consistency::bank_clients_max);
  const auto seed = opts->integer("seed", 0, INT64_MAX);
  const auto timeout = opts->integer("request-timeout-ms", 100, 60'000);
  const auto retry = opts->integer("retry-ms", 0, consistency::bank_retry_ms_max);
  for (const auto* r : {&duration, &accounts, &clients, &seed, &timeout, &retry}) {
    if (!*r) {
      std::fprintf(stderr, "chronicle bank-test: %s\n", r->error().c_str());
      return 2;
    }
  }
  if (!ports) {
    std::fprintf(stderr, "chronicle bank-test: %s\n", ports.error().c_str());
    return 2;
  }
  consistency::bank_test_config config;
  config.ports = *ports;
  config.duration = std::chrono::seconds{*duration};
  config.seed = *seed != 0 ? static_cast<std::uint64_t>(*seed) : std::random_device{}();
  config.accounts = static_cast<int>(*accounts);
  config.clients = static_cast<int>(*clients);
  config.transfers = !opts->enabled("no-transfers");
  config.request_timeout_ms = static_cast<int>(*timeout);
  config.retry_ms = static_cast<int>(*retry);
  config.api_key = opts->get("api-key");
  config.history_path = opts->get("history");
  config.stop = &bank_test_stop;
  std::signal(SIGINT, stop_bank_test);
  std::signal(SIGTERM, stop_bank_test);
  std::fprintf(stderr, "bank-test: %zu node(s), %d accounts, %d clients, %lld s, seed %llu%s\n",
               config.ports.size(), config.accounts, config.clients, *duration,
               static_cast<unsigned long long>(config.seed),
               config.transfers ? "" : ", no transfers");
  const auto done =
      consistency::run_bank_test(config, [](const consistency::bank_test_progress& p) {
        std::fprintf(stderr,
                     "bank-test: %3.0f s  %zu operations (%zu ok, %zu fail, %zu info), "
                     "%zu retries\n",
                     p.seconds, p.invoked, p.ok, p.failed, p.unknown, p.retried);
      });
  if (!done) {
    std::fprintf(stderr, "chronicle bank-test: %s\n", done.error().c_str());
    return 1;
  }
  std::printf(
      "bank-test: %zu operations in %.1f s (%.0f/s): %zu ok, %zu fail, %zu info, %zu retries; "
      "history in %s (seed %llu)\n",
      done->invoked, done->seconds,
      done->seconds > 0 ? static_cast<double>(done->invoked) / done->seconds : 0.0, done->ok,
      done->failed, done->unknown, done->retried, config.history_path.c_str(),
      static_cast<unsigned long long>(config.seed));
  return 0;
}

}  // namespace chronicle::app::cli
