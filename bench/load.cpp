// load: drives a running chronicled with concurrent deposits over HTTP and
// reports throughput and latency. Loopback only; bounded by --requests.
//
//   load --port 8080 --clients 32 --accounts 1 --requests 100

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/options.hpp"
#include "client/http_client.hpp"

namespace {

using namespace chronicle;
using clock_type = std::chrono::steady_clock;

struct run_result {
  double seconds = 0;
  std::size_t accepted = 0;
  std::size_t failed = 0;
  std::vector<double> latencies_ms;
};

using headers = std::map<std::string, std::string>;

run_result drive(std::uint16_t port, int clients, int requests, const std::vector<std::string>& ids,
                 const headers& auth) {
  run_result out;
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::atomic<std::size_t> accepted{0}, failed{0};
  const auto start = clock_type::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int r = 0; r < requests; ++r) {
        // Each client moves on through the accounts, so all of them take deposits even
        // when there are more accounts than clients.
        const auto& id = ids[static_cast<std::size_t>(c + r * clients) % ids.size()];
        const auto sent = clock_type::now();
        const auto reply = client::post_json(port, "/commands/deposit",
                                             {{"account_id", id}, {"amount", "1"}}, auth);
        const std::chrono::duration<double, std::milli> took = clock_type::now() - sent;
        latencies[static_cast<std::size_t>(c)].push_back(took.count());
        (reply.status == 201 ? accepted : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  out.accepted = accepted;
  out.failed = failed;
  for (auto& l : latencies) out.latencies_ms.insert(out.latencies_ms.end(), l.begin(), l.end());
  std::sort(out.latencies_ms.begin(), out.latencies_ms.end());
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = app::options::parse(
      {{"port", "CHRONICLE_HTTP_PORT", "8080", "port of the node under load"},
       {"clients", "", "32", "concurrent clients (threads), each sending one request at a time"},
       {"accounts", "", "1", "accounts the clients spread over (1: one hot account)"},
       {"requests", "", "100", "deposits per client"},
       {"api-key", "CHRONICLE_API_KEY", "", "an operator's API key (none for --insecure-dev)"}},
      argc, argv);
  if (!opts || opts->help_requested()) {
    std::fprintf(stderr, "%s%s", opts ? "" : (opts.error() + "\n").c_str(),
                 opts ? opts->usage().c_str() : "");
    return opts ? 0 : 2;
  }
  const auto port = opts->integer("port", 1, 65535);
  const auto clients = opts->integer("clients", 1, 1024);
  const auto accounts = opts->integer("accounts", 1, 100'000);
  const auto requests = opts->integer("requests", 1, 100'000);
  for (const auto* r : {&port, &clients, &accounts, &requests}) {
    if (!*r) {
      std::fprintf(stderr, "load: %s\n", r->error().c_str());
      return 2;
    }
  }
  const auto p = static_cast<std::uint16_t>(*port);
  std::vector<std::string> ids;
  const auto suffix = std::to_string(std::random_device{}());
  headers auth;
  if (!opts->get("api-key").empty()) auth["Authorization"] = "Bearer " + opts->get("api-key");
  for (long long a = 0; a < *accounts; ++a) {
    ids.push_back("load-" + suffix + "-" + std::to_string(a));
    const auto r = client::post_json(
        p, "/commands/create-account",
        {{"account_id", ids.back()}, {"owner_name", "Load"}, {"currency", "USD"}}, auth);
    if (r.status != 201) {
      std::fprintf(stderr, "load: cannot create account (status %d): %s\n", r.status,
                   r.body.c_str());
      return 1;
    }
  }
  const auto result = drive(p, static_cast<int>(*clients), static_cast<int>(*requests), ids, auth);
  std::printf(
      "clients=%lld accounts=%lld deposits=%zu failed=%zu seconds=%.2f rate=%.0f/s "
      "p50=%.1fms p99=%.1fms\n",
      *clients, *accounts, result.accepted, result.failed, result.seconds,
      static_cast<double>(result.accepted) / result.seconds, percentile(result.latencies_ms, 0.50),
      percentile(result.latencies_ms, 0.99));
  return result.failed == 0 ? 0 : 1;
}
