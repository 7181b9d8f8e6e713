#include "tests/support/cluster_nodes.hpp"

#include <algorithm>

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

constexpr int cluster_request_timeout_ms = 3'000;
constexpr auto converge_poll = std::chrono::milliseconds{100};

}  // namespace

std::vector<std::string> cluster_args(const std::string& node_id, std::uint16_t caf_port) {
  return {"--node-id",
          node_id,
          "--cluster",
          "127.0.0.1:" + std::to_string(caf_port),
          "--cluster-heartbeat-ms",
          std::to_string(cluster_heartbeat_ms),
          "--cluster-ttl-ms",
          std::to_string(cluster_ttl_ms)};
}

json cluster_of(std::uint16_t http_port) {
  const auto r = http_request(http_port, "GET", "/cluster", "", {}, cluster_request_timeout_ms);
  return r.status == 200 ? r.json() : json{};
}

std::uint64_t accounts_on(std::uint16_t http_port, const char* count) {
  const auto view = cluster_of(http_port);
  if (!view.is_object()) return 0;
  for (const auto& m : view.value("members", json::array())) {
    if (m.value("status", "") == "self") return m.value(count, std::uint64_t{0});
  }
  return 0;
}

bool converged(const std::vector<std::uint16_t>& http_ports, std::vector<std::string> expected,
               std::chrono::milliseconds within) {
  std::sort(expected.begin(), expected.end());
  const auto agree = [&] {
    for (const auto port : http_ports) {
      const auto view = cluster_of(port);
      if (!view.is_object()) return false;
      std::vector<std::string> seen;
      for (const auto& m : view["members"]) {
        if (m.value("status", "") == "suspect") return false;
        seen.push_back(m.value("node_id", ""));
      }
      std::sort(seen.begin(), seen.end());
      if (seen != expected) return false;
    }
    return true;
  };
  return eventually(agree, within, converge_poll);
}

}  // namespace chronicle::testing
